"""Filters of places, shared by the API and the pages."""

import django_filters
from django.db.models import QuerySet

from core.filtersets import BaseFilterSet

from .models import Location


class LocationFilterSet(BaseFilterSet):
    """``search`` (name, aliases), ``kind``, ``country``, ``parent``, ``within`` (any depth)."""

    search_fields = ("name", "aliases__name")

    kind = django_filters.MultipleChoiceFilter(choices=Location.Kind.choices, distinct=False)
    country = django_filters.CharFilter(lookup_expr="iexact")
    parent = django_filters.ModelChoiceFilter(queryset=Location.objects.all())
    within = django_filters.ModelChoiceFilter(
        queryset=Location.objects.all(), method="filter_within", label="Inside this place"
    )

    class Meta:
        model = Location
        fields = ["search", "kind", "country", "parent", "within"]

    def filter_within(
        self, queryset: QuerySet[Location], name: str, value: Location
    ) -> QuerySet[Location]:
        return queryset.filter(pk__in=Location.objects.inside(value.pk)).exclude(pk=value.pk)
