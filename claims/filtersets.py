"""Filters for claims, citations, places and topics, shared by the API and the pages."""

import django_filters
from django.db.models import F, QuerySet

from claims.models import Citation, Claim, SuggestedStatus, Topic
from core.choices import Confidence, Credibility, Marking, Reliability
from core.filtersets import BaseFilterSet, MomentFilter, visible
from places.models import Location
from sources.models import Publication, Source
from units.models import Unit

# Every Admiralty grade, "A1" to "F6".
GRADE_CHOICES = [
    (f"{reliability}{credibility}", f"{reliability}{credibility}")
    for reliability in Reliability.values
    for credibility in Credibility.values
]


class OccurredOrderingFilter(django_filters.OrderingFilter):
    """``ordering=-occurred`` is newest first with undated claims last, and ``occurred`` its
    exact reverse: both read ``claim_current_occurred_idx`` (one way or the other) instead
    of sorting a million claims."""

    def get_ordering_value(self, param: str):
        descending = param.startswith("-")
        field = self.param_map[param.lstrip("-")]
        if field != "occurred_start":
            return super().get_ordering_value(param)
        return F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_first=True)


class ClaimFilterSet(BaseFilterSet):
    """Every way an analyst narrows the claims down; see each filter's label."""

    topic = django_filters.ModelMultipleChoiceFilter(
        queryset=Topic.objects.all(),
        to_field_name="slug",
        method="filter_topic",
        label="Topic (slug)",
    )
    # distinct=False on columns of the claim itself: django-filter's default DISTINCT made
    # PostgreSQL sort every match, all columns, to drop duplicates there cannot be, where the
    # page alone can be read walking the list order.
    status = django_filters.MultipleChoiceFilter(choices=Claim.Status.choices, distinct=False)
    kind = django_filters.MultipleChoiceFilter(choices=Claim.Kind.choices, distinct=False)
    confidence = django_filters.MultipleChoiceFilter(choices=Confidence.choices, distinct=False)
    marking = django_filters.MultipleChoiceFilter(choices=Marking.choices, distinct=False)
    unit = django_filters.ModelChoiceFilter(
        queryset=visible(Unit), method="filter_unit", label="Unit involved"
    )
    include_subordinates = django_filters.BooleanFilter(
        method="filter_nothing", label="With unit: include every subordinate unit"
    )
    source = django_filters.ModelChoiceFilter(
        queryset=visible(Source),
        method="filter_source",
        label="Cited from this source or its people",
    )
    publication = django_filters.ModelChoiceFilter(
        queryset=visible(Publication), method="filter_publication", label="Publication"
    )
    location = django_filters.ModelChoiceFilter(
        # The parent is part of a place's name in the choices: JOIN it, not a query each.
        queryset=Location.objects.select_related("parent"),
        method="filter_location",
        label="At this place or inside it",
    )
    occurred_after = django_filters.DateFilter(
        method="filter_occurred_after", label="Happened on or after"
    )
    occurred_before = django_filters.DateFilter(
        method="filter_occurred_before", label="Happened on or before"
    )
    updated_since = MomentFilter(
        method="filter_updated_since", label="Changed at or after (ISO 8601 date and time)"
    )
    # On the stored, indexed corroboration fields (claims.services keeps them current).
    min_independent_lines = django_filters.NumberFilter(
        field_name="independent_lines",
        lookup_expr="gte",
        min_value=0,
        label="At least this many independent lines of evidence",
    )
    grade = django_filters.MultipleChoiceFilter(
        field_name="best_grade", choices=GRADE_CHOICES, label="Best grade, e.g. B2", distinct=False
    )
    grade_at_least = django_filters.ChoiceFilter(
        choices=GRADE_CHOICES,
        method="filter_grade_at_least",
        label="Best grade this good or better (reliability first, then credibility)",
    )
    suggested_status = django_filters.MultipleChoiceFilter(
        choices=SuggestedStatus.choices, distinct=False
    )
    ordering = OccurredOrderingFilter(
        fields=(
            ("occurred_start", "occurred"),
            ("updated_at", "updated"),
            ("created_at", "created"),
            ("title", "title"),
            ("status", "status"),
            ("independent_lines", "lines"),
            ("best_grade", "grade"),
        ),
        label="Order by (prefix - for descending); search results are ranked by default",
    )

    class Meta:
        model = Claim
        fields = ["search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every word must occur (full text on PostgreSQL); ranking comes after all filters."""
        return queryset.matching(value)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """Filter, then rank search results by relevance unless an ``ordering`` was asked for.

        Ranking last means the relevance of the newest matches is computed among the claims
        that pass every filter (topic, unit, marking...), not before them.
        """
        queryset = super().filter_queryset(queryset)
        search = self.form.cleaned_data.get("search")
        if search and not self.form.cleaned_data.get("ordering"):
            queryset = queryset.by_relevance(search)
        return queryset

    def filter_topic(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        through = Claim.topics.through
        return queryset.filter(pk__in=through.objects.filter(topic__in=value).values("claim_id"))

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        subordinates = bool(self.form.cleaned_data.get("include_subordinates"))
        return queryset.involving_unit(value.pk, include_subordinates=subordinates)

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Modifiers read by another filter (``include_subordinates``) filter nothing alone."""
        return queryset

    def filter_source(self, queryset: QuerySet, name: str, value: Source) -> QuerySet:
        return queryset.cited_from_source(value.pk, user=getattr(self.request, "user", None))

    def filter_publication(self, queryset: QuerySet, name: str, value: Publication) -> QuerySet:
        return queryset.filter(pk__in=Citation.objects.filter(publication=value).values("claim_id"))

    def filter_location(self, queryset: QuerySet, name: str, value: Location) -> QuerySet:
        return queryset.at_location(value.pk)

    def filter_updated_since(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.updated_since(value)

    def filter_occurred_after(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.occurred_after(value)

    def filter_occurred_before(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.occurred_before(value)

    def filter_grade_at_least(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Grades sort as strings the way best_grade is chosen ("A6" < "B1" < "B2"); a claim
        # without supporting evidence has no grade and never matches.
        return queryset.exclude(best_grade="").filter(best_grade__lte=value)


class CitationFilterSet(BaseFilterSet):
    """``claim``, ``publication``, ``source``, ``stance``, ``credibility``, ``search`` (excerpt)."""

    search_fields = ("excerpt", "translation", "note")

    claim = django_filters.ModelChoiceFilter(queryset=visible(Claim))
    publication = django_filters.ModelChoiceFilter(queryset=visible(Publication))
    source = django_filters.ModelChoiceFilter(
        field_name="publication__source", queryset=visible(Source)
    )
    stance = django_filters.MultipleChoiceFilter(choices=Citation.Stance.choices, distinct=False)
    credibility = django_filters.MultipleChoiceFilter(choices=Credibility.choices, distinct=False)

    class Meta:
        model = Citation
        fields = ["search", "claim", "publication", "source", "stance", "credibility"]


class TopicFilterSet(BaseFilterSet):
    """``search`` over topic names."""

    search_fields = ("name", "description")

    class Meta:
        model = Topic
        fields = ["search"]
