"""Filters for sources and publications, shared by the API and the pages."""

import django_filters

from core.choices import Marking, Reliability, Sensitivity
from core.filtersets import BaseFilterSet, visible
from sources.models import EvidenceFile, Publication, Source


class SourceFilterSet(BaseFilterSet):
    """``search`` (name, aliases, description), ``kind``, ``country``, ``reliability``."""

    search_fields = ("name", "aliases__name", "description", "role")

    kind = django_filters.MultipleChoiceFilter(choices=Source.Kind.choices, distinct=False)
    country = django_filters.CharFilter(lookup_expr="iexact")
    reliability = django_filters.MultipleChoiceFilter(choices=Reliability.choices, distinct=False)
    affiliation = django_filters.ModelChoiceFilter(queryset=Source.objects.all())
    ordering = django_filters.OrderingFilter(fields=("name", "reliability", "updated_at"))

    class Meta:
        model = Source
        fields = ["search", "kind", "country", "reliability", "affiliation"]


class PublicationFilterSet(BaseFilterSet):
    """``search``, ``kind``, ``source``, ``country`` and ``reliability`` of the source,
    ``marking``, ``language``, ``published_after`` / ``published_before``."""

    search_fields = ("title", "summary", "source__name")

    kind = django_filters.MultipleChoiceFilter(choices=Publication.Kind.choices, distinct=False)
    source = django_filters.ModelChoiceFilter(queryset=Source.objects.all())
    country = django_filters.CharFilter(field_name="source__country", lookup_expr="iexact")
    # Through the publication's own source (one per publication): no duplicates to drop.
    reliability = django_filters.MultipleChoiceFilter(
        field_name="source__reliability", choices=Reliability.choices, distinct=False
    )
    marking = django_filters.MultipleChoiceFilter(choices=Marking.choices, distinct=False)
    language = django_filters.CharFilter(lookup_expr="iexact")
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    ordering = django_filters.OrderingFilter(fields=("published_on", "title", "updated_at"))

    class Meta:
        model = Publication
        fields = ["search", "kind", "source", "country", "reliability", "marking", "language"]


class EvidenceFileFilterSet(BaseFilterSet):
    """``publication``, ``sensitivity``, ``sha256`` (find a file by its hash), ``content_type``,
    ``search`` (name, description)."""

    search_fields = ("original_name", "description")

    # Only publications the user may see: a hidden one's id is refused like an unknown one.
    publication = django_filters.ModelChoiceFilter(queryset=visible(Publication))
    sensitivity = django_filters.MultipleChoiceFilter(choices=Sensitivity.choices, distinct=False)
    sha256 = django_filters.CharFilter(method="filter_sha256", label="SHA-256")
    content_type = django_filters.CharFilter(lookup_expr="iexact")
    ordering = django_filters.OrderingFilter(fields=("created_at", "size", "original_name"))

    class Meta:
        model = EvidenceFile
        fields = ["search", "publication", "sensitivity", "sha256", "content_type"]

    def filter_sha256(self, queryset, name: str, value: str):
        """Hashes are stored in lower case; accept either."""
        return queryset.filter(sha256=value.strip().lower())
