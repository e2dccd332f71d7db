"""Analyst pages of claims: list, detail, editing, timeline, map."""

import itertools
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, TemplateView

from claims.filtersets import ClaimFilterSet
from claims.forms import CitationFormSet, ClaimForm, DateInput, InvolvementFormSet
from claims.models import Claim, ClaimRelation
from claims.services import evidence_lines
from core.api.pagination import CappedCountPaginator
from core.forms import use_lookup
from core.history import change_log
from core.views import AnalystPageMixin, EditorPageMixin, page_size
from places.models import Location
from sources.models import Publication, Source
from units.models import Unit

# ---------------------------------------------------------------------------------------------
# Evidence shown on every claim row, computed from the citations already loaded
# ---------------------------------------------------------------------------------------------


@dataclass
class EvidenceSummary:
    """The newest source a claim row shows (read from prefetched citations only).

    Grade and corroboration are not recomputed here: they are the claim's stored fields
    (``best_grade``, ``independent_lines``, ``disputes``), kept current by
    ``claims.services`` and shared with the API and its filters.
    """

    newest_source: Source | None
    newest_publication: Publication | None


def summarize_evidence(claim: Claim) -> EvidenceSummary:
    """Newest source of ``claim`` among the citations the user may see (no query: works on
    ``claim.citations.all()`` as prefetched by ``with_related(user=...)``)."""
    citations = list(claim.citations.all())
    dated = [c for c in citations if c.publication.published_on]
    newest = max(dated, key=lambda c: (c.publication.published_on, c.pk), default=None)
    if newest is None and citations:
        newest = citations[-1]
    return EvidenceSummary(
        newest_source=newest.publication.source if newest else None,
        newest_publication=newest.publication if newest else None,
    )


def attach_orbat(claims: list[Claim]) -> None:
    """Give every involvement of ``claims`` its chain of command (``involvement.chain``:
    the unit first, the top last), for all units on the page in one query (the closure table)."""
    involvements = [inv for claim in claims for inv in claim.involvements.all()]
    chains = Unit.objects.ancestor_paths(sorted({inv.unit_id for inv in involvements}))
    for involvement in involvements:
        involvement.chain = chains.get(involvement.unit_id, [involvement.unit])


def decorate(claims: list[Claim]) -> list[Claim]:
    """Evidence summary and ORBAT chains for a page of claims loaded ``with_related``."""
    for claim in claims:
        claim.evidence = summarize_evidence(claim)
    attach_orbat(claims)
    return claims


# ---------------------------------------------------------------------------------------------
# Filtered pages: the list, the timeline and the map share the API's FilterSet
# ---------------------------------------------------------------------------------------------

# Filters the pages show in their filter form (the API's others still apply from the URL).
SHOWN_FILTERS = (
    "search",
    "topic",
    "status",
    "confidence",
    "kind",
    "unit",
    "source",
    "location",
    "occurred_after",
    "occurred_before",
)

CHECKBOX_FILTERS = ("topic", "status", "confidence", "kind")
PAGE_SIZES = (10, 25, 50, 100)


class FilteredClaimsMixin(AnalystPageMixin):
    """Claims the user may see, narrowed by ``ClaimFilterSet`` (the same one as the API).

    Invalid filter values (an unknown unit id, a bad date) show the form's errors and no
    claims, never a 500.
    """

    def base_queryset(self):
        user = self.request.user
        return (
            Claim.objects.visible_to(user)
            .with_related(user=user)
            .order_by(F("occurred_start").desc(nulls_last=True), "-pk")
        )

    def get_filterset(self) -> ClaimFilterSet:
        if not hasattr(self, "filterset"):
            self.filterset = ClaimFilterSet(
                self.request.GET, queryset=self.base_queryset(), request=self.request
            )
        return self.filterset

    def filtered_claims(self):
        filterset = self.get_filterset()
        if not filterset.is_valid():
            return filterset.queryset.none()
        return filterset.qs

    def filter_context(self) -> dict[str, Any]:
        filterset = self.get_filterset()
        form = filterset.form
        # Short vocabularies read better as checkboxes than as multi-selects.
        for name in CHECKBOX_FILTERS:
            field = form.fields[name]
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
        # The API's labels speak of slugs and prefixes; the page speaks to people.
        form.fields["topic"].label = "Topic"
        form.fields["ordering"].label = "Sort by"
        for name in ("occurred_after", "occurred_before"):
            form.fields[name].widget = DateInput()
        # A place's label names its parent: load the parents with the places (one query, not
        # one per place), and offer only units and sources that are not archived. Each is a
        # large table: the chosen record is rendered, and a search finds others (core.forms).
        user = self.request.user
        form.fields["location"].queryset = Location.objects.select_related("parent")
        form.fields["unit"].queryset = Unit.objects.visible_to(user)
        form.fields["source"].queryset = Source.objects.visible_to(user)
        for name in ("location", "unit", "source"):
            use_lookup(form.fields[name], reverse(f"{name}-list"))
        return {
            "filterset": filterset,
            "filter_fields": [form[name] for name in SHOWN_FILTERS],
            "include_subordinates": self.request.GET.get("include_subordinates", "").lower()
            in {"1", "true", "yes", "on"},
            "filters_active": any(
                value for key, value in self.request.GET.items() if key not in {"page"}
            ),
        }


class PaginatedMixin:
    """``?page=N&page_size=M`` with a capped page size; an out-of-range page shows the last."""

    default_page_size = 25
    max_page_size = 100

    def paginate(self, queryset):
        size = page_size(self.request, self.default_page_size, self.max_page_size)
        # The API's paginator: an exact count up to EXACT_COUNT_LIMIT, PostgreSQL's estimate
        # above it, so a page of a million claims does not count them all.
        page = CappedCountPaginator(queryset, size).get_page(self.request.GET.get("page"))
        page.object_list = list(page.object_list)
        return page


class ClaimListView(FilteredClaimsMixin, PaginatedMixin, TemplateView):
    """``/claims/``: search, filters, sorting, pages; each row shows its evidence."""

    template_name = "claims/claim_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = self.paginate(self.filtered_claims())
        decorate(page.object_list)
        return super().get_context_data(
            page=page,
            show_ordering=True,
            show_page_size=True,
            page_sizes=PAGE_SIZES,
            **self.filter_context(),
            **kwargs,
        )


class TimelineView(FilteredClaimsMixin, PaginatedMixin, TemplateView):
    """``/timeline/``: claims in the order they happened, grouped by month."""

    template_name = "claims/timeline.html"
    default_page_size = 100
    max_page_size = 200

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .order_by(F("occurred_start").asc(nulls_last=True), "occurred_end", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        claims = self.filtered_claims()
        # Search ranks by relevance; a timeline is always in date order.
        claims = claims.order_by(F("occurred_start").asc(nulls_last=True), "occurred_end", "pk")
        page = self.paginate(claims)
        decorate(page.object_list)
        months = [
            (month, list(group))
            for month, group in itertools.groupby(
                page.object_list,
                key=lambda claim: (
                    claim.occurred_start.replace(day=1) if claim.occurred_start else None
                ),
            )
        ]
        return super().get_context_data(page=page, months=months, **self.filter_context(), **kwargs)


class MapView(FilteredClaimsMixin, TemplateView):
    """``/map/``: the filtered claims by place; the tile server is ``MAP_TILE_URL``."""

    template_name = "claims/map.html"
    max_rows = 2000

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        claims = self.filtered_claims()
        through = Claim.locations.through
        # One query: every (claim, place) pair with coordinates, for the filtered claims.
        rows = (
            through.objects.filter(
                claim__in=claims.order_by().values("pk"), location__latitude__isnull=False
            )
            .select_related("location", "claim")
            .order_by("location__name", "claim__occurred_start", "claim_id")[: self.max_rows]
        )
        places: dict[int, dict[str, Any]] = {}
        for row in rows:
            place = places.setdefault(
                row.location_id,
                {
                    "id": row.location_id,
                    "name": row.location.name,
                    "lat": float(row.location.latitude),
                    "lng": float(row.location.longitude),
                    "url": reverse("places:detail", args=[row.location_id]),
                    "claims": [],
                },
            )
            place["claims"].append(
                {
                    "title": row.claim.title,
                    "url": reverse("claims:detail", args=[row.claim_id]),
                    "status": row.claim.get_status_display(),
                    "when": row.claim.occurred_display,
                }
            )
        data = {
            "tiles": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "places": list(places.values()),
        }
        return super().get_context_data(
            data=data, places=data["places"], **self.filter_context(), **kwargs
        )


# ---------------------------------------------------------------------------------------------
# One claim
# ---------------------------------------------------------------------------------------------


class ClaimDetailView(AnalystPageMixin, DetailView):
    """``/claims/<id>/``: the claim with its evidence, units, places, relations and history."""

    template_name = "claims/claim_detail.html"
    context_object_name = "claim"

    def get_queryset(self):
        user = self.request.user
        visible = Claim.objects.visible_to(user)
        # Claims that point at this one, like relations_out: only the ones the user may see.
        incoming = ClaimRelation.objects.select_related("from_claim").filter(
            from_claim__in=visible.values("pk")
        )
        return (
            visible.with_related(user=user)
            .select_related("archived_by")
            .prefetch_related(Prefetch("relations_in", queryset=incoming))
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        claim = self.object
        decorate([claim])
        citations = list(claim.citations.all())
        for citation in citations:
            citation.grade = citation.grade_with(citation.publication.source.reliability)
        return super().get_context_data(
            citations=citations,
            evidence_lines=evidence_lines([claim], user=self.request.user).get(claim.pk, []),
            history=change_log(claim),
            can_edit=self.request.user.has_perm("claims.change_claim"),
            **kwargs,
        )


# ---------------------------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------------------------


class ClaimEditMixin(EditorPageMixin, TemplateView):
    """Add or edit a claim with its citations and unit involvements, all or nothing."""

    template_name = "claims/claim_form.html"

    def get_claim(self) -> Claim:
        raise NotImplementedError

    def build_forms(self, claim: Claim, data=None) -> dict[str, Any]:
        user = self.request.user
        return {
            "form": ClaimForm(data, instance=claim, user=user),
            "citations": CitationFormSet(data, instance=claim, prefix="citations", user=user),
            "involvements": InvolvementFormSet(
                data, instance=claim, prefix="involvements", user=user
            ),
        }

    def get(self, request, *args, **kwargs):
        claim = self.get_claim()
        return self.render_to_response(
            self.get_context_data(claim=claim, **self.build_forms(claim))
        )

    def post(self, request, *args, **kwargs):
        claim = self.get_claim()
        parts = self.build_forms(claim, request.POST)
        # Validate every part (not stopping at the first invalid one) so all errors show.
        valid = [part.is_valid() for part in parts.values()]
        if all(valid) and self.check_reason(parts):
            try:
                claim = self.save(parts)
            except StaleEdit as stale:
                # Nothing was saved. Show the claim as it is now with this editor's own changes
                # on top, the other editor's changes listed and the fields both changed marked,
                # so that saving again keeps both edits; the form carries the current version.
                # Read again: validating the forms wrote the posted values onto ``claim``.
                current = Claim.objects.get(pk=claim.pk)
                data, conflicts = rebase_edit(parts["form"], current, stale, user=request.user)
                claim = current
                parts = self.build_forms(claim, data)
                for part in parts.values():
                    part.is_valid()
                parts["form"].add_error(None, stale.message)
                for name, message in conflicts.items():
                    parts["form"].add_error(name, message)
                return self.render_to_response(
                    self.get_context_data(claim=claim, stale_changes=stale.entries, **parts),
                    status=409,
                )
            except ValidationError as error:
                # A rule only the model knows (checked on save): nothing was saved.
                parts["form"].add_error(None, error.messages)
            else:
                return HttpResponseRedirect(reverse("claims:detail", args=[claim.pk]))
        return self.render_to_response(self.get_context_data(claim=claim, **parts), status=400)

    def check_reason(self, forms: dict[str, Any]) -> bool:
        """A citation row's changed credibility needs the reason given on the claim form (the
        claim's own status and confidence are checked by ClaimForm itself)."""
        form = forms["form"]
        changed = [
            name
            for row in forms["citations"].forms
            if row.instance.pk and row.has_changed()
            for name in row.instance.changed_judgements()
        ]
        if changed and not form.cleaned_data.get("change_reason", "").strip():
            form.add_error(
                "change_reason",
                "You changed a judgement (status, confidence or credibility): say why.",
            )
            return False
        return True

    def save(self, forms: dict[str, Any]) -> Claim:
        """Save the claim and its rows in one transaction, stamped with the editor."""
        user = self.request.user
        form = forms["form"]
        reason = form.cleaned_data.get("change_reason", "").strip()
        with transaction.atomic():
            if form.instance.pk:
                self.check_version(form.instance.pk, form.cleaned_data.get("version"))
            claim = form.save(commit=False)  # JudgementReasonForm sets the reason
            claim.stamp(user)
            claim.save()
            form.save_m2m()
            citations = forms["citations"]
            for citation in citations.save(commit=False):
                citation.stamp(user)
                citation.set_reason(reason)
                citation.save()
            for citation in citations.deleted_objects:
                # Evidence is archived, never deleted: its history stays.
                citation.archive(user, reason or "Removed on the claim page")
            involvements = forms["involvements"]
            for involvement in involvements.save(commit=False):
                involvement.stamp(user)
                involvement.save()
            for involvement in involvements.deleted_objects:
                involvement.delete()
        return claim

    @staticmethod
    def check_version(pk: int, started_from: int | None) -> None:
        """Raise StaleEdit if the claim was saved since the editor opened it (row locked)."""
        current = Claim.objects.select_for_update().only("pk", "version").get(pk=pk)
        if started_from is None or current.version == started_from:
            return
        newer = [entry for entry in change_log(current) if (entry.version or 0) > started_from]
        raise StaleEdit(current.version, newer, started_from)


def _as_data(value: Any) -> str | None:
    """A model value as a form posts it (None: the field is left out, an unticked box)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def rebase_edit(
    posted: ClaimForm, current: Claim, stale: "StaleEdit", user: Any
) -> tuple[Any, dict[str, str]]:
    """The data of a stale edit moved onto the current claim: each field the editor changed
    keeps their value, every other field takes the current one (what the other editor saved).
    Returns that data and a message for each field both changed to different values.

    What the editor started from is the claim's history row of the version their form
    carried. Many-to-many fields (topics, places, sharing) keep what the editor sent."""
    data = posted.data.copy()
    data["version"] = current.version
    started = (
        current.history.filter(version=stale.started_from).order_by("-history_id").first()
        if stale.started_from is not None
        else None
    )
    if started is None:
        return data, {}
    before = ClaimForm(instance=started.instance, user=user)
    now = ClaimForm(instance=current, user=user)
    who = stale.who
    conflicts = {}
    for name, field in posted.fields.items():
        if name in ("version", "change_reason") or isinstance(
            field, forms.ModelMultipleChoiceField
        ):
            continue
        base, theirs = before[name].value(), now[name].value()
        if base == theirs:
            continue  # only this editor may have changed it: their value stands
        if not field.has_changed(base, posted[name].data):
            raw = _as_data(theirs)
            if raw is None:
                data.pop(name, None)
            else:
                data[name] = raw
        elif field.has_changed(theirs, posted[name].data):
            shown = now[name].value()
            conflicts[name] = (
                f"{who} changed this to “{shown if shown not in (None, '') else '(empty)'}” "
                "while you were editing; yours is kept here. Check which should stand."
            )
    return data, conflicts


class StaleEdit(Exception):
    """The claim changed since the editor opened the form."""

    def __init__(self, current_version: int, entries: list, started_from: int | None) -> None:
        self.current_version = current_version
        self.entries = entries
        self.started_from = started_from
        self.who = ", ".join(sorted({entry.user or "someone" for entry in entries})) or "someone"
        self.message = (
            f"{self.who} saved this claim while you were editing it; nothing of yours was "
            "saved. The form now shows the claim as it is with your changes on top, and their "
            "changes are listed below; fields you both changed are marked. Check, then save."
        )
        super().__init__(self.message)


class ClaimCreateView(ClaimEditMixin):
    """``/claims/new/``."""

    permission_required = "claims.add_claim"

    def get_claim(self) -> Claim:
        return Claim()


class ClaimUpdateView(ClaimEditMixin):
    """``/claims/<id>/edit/``: only claims the editor may see."""

    permission_required = "claims.change_claim"

    def get_claim(self) -> Claim:
        if not hasattr(self, "_claim"):
            self._claim = get_object_or_404(
                Claim.objects.visible_to(self.request.user), pk=self.kwargs["pk"]
            )
        return self._claim
