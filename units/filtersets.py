"""Filters for units, shared by the API and the pages."""

import django_filters

from core.filtersets import BaseFilterSet
from units.models import Unit
from units.querysets import subtree_ids


class UnitFilterSet(BaseFilterSet):
    """``search`` (name, abbreviation, aliases), ``country``, ``echelon``, ``branch``,
    ``parent`` (direct subordinates) and ``ancestor`` (every unit below it, any depth)."""

    search_fields = ("name", "abbreviation", "aliases__name")

    country = django_filters.CharFilter(lookup_expr="iexact")
    echelon = django_filters.MultipleChoiceFilter(choices=Unit.Echelon.choices, distinct=False)
    branch = django_filters.MultipleChoiceFilter(choices=Unit.Branch.choices, distinct=False)
    parent = django_filters.ModelChoiceFilter(queryset=Unit.objects.all())
    ancestor = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), method="filter_ancestor", label="Below unit (any depth)"
    )
    ordering = django_filters.OrderingFilter(fields=("name", "echelon", "updated_at"))

    class Meta:
        model = Unit
        fields = ["search", "country", "echelon", "branch", "parent", "ancestor"]

    def filter_ancestor(self, queryset, name: str, value: Unit):
        """Units anywhere below ``value`` in the ORBAT (one subquery on the closure table)."""
        return queryset.filter(pk__in=subtree_ids(value.pk)).exclude(pk=value.pk)
