"""Filters for sources and publications, shared by the API and the pages."""

import django_filters

from core.choices import Marking, Reliability
from core.filtersets import BaseFilterSet
from sources.models import Publication, Source


class SourceFilterSet(BaseFilterSet):
    """``search`` (name, aliases, description), ``kind``, ``country``, ``reliability``."""

    search_fields = ("name", "aliases__name", "description", "role")

    kind = django_filters.MultipleChoiceFilter(choices=Source.Kind.choices)
    country = django_filters.CharFilter(lookup_expr="iexact")
    reliability = django_filters.MultipleChoiceFilter(choices=Reliability.choices)
    affiliation = django_filters.ModelChoiceFilter(queryset=Source.objects.all())
    ordering = django_filters.OrderingFilter(fields=("name", "reliability", "updated_at"))

    class Meta:
        model = Source
        fields = ["search", "kind", "country", "reliability", "affiliation"]


class PublicationFilterSet(BaseFilterSet):
    """``search``, ``kind``, ``source``, ``country`` and ``reliability`` of the source,
    ``marking``, ``language``, ``published_after`` / ``published_before``."""

    search_fields = ("title", "summary", "source__name")

    kind = django_filters.MultipleChoiceFilter(choices=Publication.Kind.choices)
    source = django_filters.ModelChoiceFilter(queryset=Source.objects.all())
    country = django_filters.CharFilter(field_name="source__country", lookup_expr="iexact")
    reliability = django_filters.MultipleChoiceFilter(
        field_name="source__reliability", choices=Reliability.choices
    )
    marking = django_filters.MultipleChoiceFilter(choices=Marking.choices)
    language = django_filters.CharFilter(lookup_expr="iexact")
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    ordering = django_filters.OrderingFilter(fields=("published_on", "title", "updated_at"))

    class Meta:
        model = Publication
        fields = ["search", "kind", "source", "country", "reliability", "marking", "language"]
