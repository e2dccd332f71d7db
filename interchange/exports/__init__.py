"""Exports of a claim set in exchange formats: STIX 2.1, ClaimReview (JSON-LD) and GeoJSON.

Each format is one module of plain functions that take a claim queryset that is already
filtered and restricted to what the user may see (``Claim.objects.visible_to(user)``), load
what they render in a fixed number of queries per batch, and yield the document in pieces so
that a million claims never sit in memory at once.
"""

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from claims.models import Citation, Claim, Topic, UnitInvolvement
from core.choices import Marking
from places.models import Location

# Claims per batch: each batch costs the same fixed number of queries (one per relation
# loaded), so the total grows with N / BATCH_SIZE only.
BATCH_SIZE = 500

# TLP 2.0 from least to most restricted: a document that mixes markings takes the strictest.
MARKING_ORDER = [
    Marking.CLEAR,
    Marking.GREEN,
    Marking.AMBER,
    Marking.AMBER_STRICT,
    Marking.RED,
]


def organisation_name() -> str:
    """Who publishes the exports (STIX ``created_by_ref``, ClaimReview ``author``)."""
    return getattr(settings, "CLAIMTRACE_ORGANISATION", "") or "Claimtrace"


def strictest(markings: list[str]) -> str:
    """The most restricted of ``markings`` (TLP:CLEAR for none)."""
    return max(markings, key=MARKING_ORDER.index, default=Marking.CLEAR)


@dataclass
class ExportRow:
    """A claim with what the exports write about it, loaded for a whole batch at once."""

    claim: Claim
    citations: list[Citation] = field(default_factory=list)
    involvements: list[UnitInvolvement] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)


def load_batch(
    claims: list[Claim],
    user,
    *,
    citations: bool = True,
    topics: bool = True,
    involvements: bool = True,
    locations: bool = True,
) -> list[ExportRow]:
    """``claims`` with what a format writes: their citations ``user`` may see (publication
    and source), topics, involvements (unit, attributing source) and places, one query per
    relation asked for.

    Not ``with_related()``: that rule loads what the pages show (sharing lists, quantities,
    related claims) through Django's prefetch, which builds a queryset per claim and relation;
    measured, that was most of the export time (about 300 claims/s, against 600 to 1,000
    here). The citations follow the same visibility rule (``Citation.objects.visible_to``).
    """
    rows = {claim.pk: ExportRow(claim) for claim in claims}
    ids = list(rows)
    if citations:
        for citation in (
            Citation.objects.visible_to(user)
            .filter(claim_id__in=ids)
            .select_related("publication__source")
            .order_by("publication__published_on", "pk")
        ):
            rows[citation.claim_id].citations.append(citation)
    if topics:
        links = Claim.topics.through.objects.filter(claim_id__in=ids).select_related("topic")
        for link in links.order_by("topic__name"):
            rows[link.claim_id].topics.append(link.topic)
    if involvements:
        for involvement in (
            UnitInvolvement.objects.filter(claim_id__in=ids)
            .select_related("unit", "attributed_by")
            .order_by("pk")
        ):
            rows[involvement.claim_id].involvements.append(involvement)
    if locations:
        links = Claim.locations.through.objects.filter(claim_id__in=ids)
        for link in links.select_related("location").order_by("location__name", "pk"):
            rows[link.claim_id].locations.append(link.location)
    return list(rows.values())


def batches(claims: QuerySet, user, size: int | None = None, **load) -> Iterator[list[ExportRow]]:
    """``claims`` ``size`` at a time, each batch loaded by ``load_batch`` (``**load``).

    ``iterator(chunk_size)`` keeps the queryset's order (filters may rank or sort) and reads
    the rows through a server-side cursor, so memory holds one batch whatever the total.
    """
    size = size or BATCH_SIZE
    batch: list[Claim] = []
    for claim in claims.iterator(chunk_size=size):
        batch.append(claim)
        if len(batch) == size:
            yield load_batch(batch, user, **load)
            batch = []
    if batch:
        yield load_batch(batch, user, **load)


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 text kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


@cache
def _claim_path_template() -> str:
    # reverse() per claim cost more than the rest of a GeoJSON feature: resolve it once.
    return reverse("claims:detail", args=[987654321]).replace("987654321", "{pk}")


def claim_url(claim, base_url: str) -> str:
    """The claim's page, absolute when ``base_url`` ("https://host") is given."""
    return base_url.rstrip("/") + _claim_path_template().format(pk=claim.pk)


def iso_date(day: dt.date | None) -> str | None:
    """A date as ISO 8601, or None."""
    return day.isoformat() if day else None
