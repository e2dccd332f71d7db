"""Exports of a claim set in exchange formats: STIX 2.1, ClaimReview (JSON-LD) and GeoJSON.

Each format is one module of plain functions that take a claim queryset that is already
filtered and restricted to what the user may see (``Claim.objects.visible_to(user)``), load
what they render in a fixed number of queries per batch, and yield the document in pieces so
that a million claims never sit in memory at once.
"""

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from core.choices import Marking

# Claims per database round trip: each batch costs the same fixed number of queries (the claim
# rows, then one query per prefetched relation), so the total grows with N / BATCH_SIZE only.
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


def batches(claims: QuerySet, user, size: int | None = None) -> Iterator[list]:
    """``claims`` with everything a list renders (``with_related``), ``size`` at a time.

    ``iterator(chunk_size)`` keeps the queryset's order (filters may rank or sort) and runs
    the prefetches once per chunk, so memory holds one batch and queries per batch are fixed.
    """
    size = size or BATCH_SIZE
    batch: list = []
    for claim in claims.with_related(user=user).iterator(chunk_size=size):
        batch.append(claim)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 text kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def claim_url(claim, base_url: str) -> str:
    """The claim's page, absolute when ``base_url`` ("https://host") is given."""
    return f"{base_url.rstrip('/')}{claim.get_absolute_url()}"


def iso_date(day: dt.date | None) -> str | None:
    """A date as ISO 8601, or None."""
    return day.isoformat() if day else None
