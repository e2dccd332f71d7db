"""The claims list, rendered from plain rows: the JSON of ``ClaimSerializer``, without its cost.

A page of 50 claims carries ~150 citations with their publication and source, ~100 unit
involvements, places, topics and links: about 1,400 related records. Loading them as model
instances and walking them field by field through nested DRF serializers cost several times
all of the page's SQL. Here each kind of related row
is one ``values()`` query keyed by claim, and each record is a dict built in one expression.

The output is exactly ``ClaimSerializer``'s for a list (``evidence_lines`` null);
``tests/claims/test_listing.py`` compares both on records with every field filled. The
claim's fields and their order are ``claims.fields.API_FIELDS``, as the serializer's are: a
field declared there is read here by its kind of rendering, and a related one this module
does not render stops its import. Values that need formatting use DRF's own fields (dates,
times, decimals, durations) and the models' own display rules.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from claims.fields import API_FIELDS, Render
from claims.models import Citation, Claim, Quantity, Topic, UnitInvolvement
from claims.querysets import page_citations, page_relations
from core.markings import marking_signature
from core.rows import CompiledRows, fetch_together
from places.models import Location
from sources.models import Publication
from units.querysets import joined_paths, orbat_path_rows

_date = serializers.DateField().to_representation
_duration = serializers.DurationField().to_representation


@cache
def _decimal(model, name: str):
    """DRF's representation of a model's decimal field (a string with its places)."""
    field = model._meta.get_field(name)
    return serializers.DecimalField(
        max_digits=field.max_digits, decimal_places=field.decimal_places
    ).to_representation


def _datetime_formatter():
    """DRF's ``DateTimeField().to_representation`` for the values of one request.

    DRF looks up the current time zone for every value (a context-variable read each time,
    visible in a list page's profile); it is read once here. Other output
    formats than ISO 8601 keep DRF's own code."""
    if api_settings.DATETIME_FORMAT.lower() != ISO_8601:
        return serializers.DateTimeField().to_representation
    zone = timezone.get_current_timezone()

    def represent(value) -> str:
        if isinstance(value, str):  # PostgreSQL's text (``_stamps_as_text``)
            value = _from_postgres(value)
            if isinstance(value, str):
                return value
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


def _stamps_as_text() -> tuple[str, ...]:
    """The types ``fetch_together`` may return as PostgreSQL's text: timestamps, when what
    PostgreSQL prints (in the session's UTC) is what DRF prints but for its punctuation."""
    if (
        api_settings.DATETIME_FORMAT.lower() == ISO_8601
        and timezone.get_current_timezone_name() == "UTC"
        and connection.timezone_name == "UTC"
    ):
        return ("timestamptz",)
    return ()


def _from_postgres(text: str) -> str | dt.datetime:
    """DRF's ISO 8601 of a UTC timestamp PostgreSQL printed ("2025-02-20 10:11:12.1234+00" ->
    "2025-02-20T10:11:12.123400Z", as ``datetime.isoformat`` pads the fraction); anything
    else parsed, for DRF's own formatting."""
    if not text.endswith("+00") or len(text) < 22 or text[10] != " ":
        return dt.datetime.fromisoformat(text)
    stamp = text[:-3]
    if len(stamp) > 19:  # a fraction: PostgreSQL drops its trailing zeros
        stamp = stamp.ljust(26, "0")
    return f"{stamp[:10]}T{stamp[11:]}Z"


def _opt(format_value, value):
    """``format_value(value)``, or None for None, as DRF renders a null field."""
    return None if value is None else format_value(value)


def _display(prop: property, **values) -> str:
    """A model's display property computed from plain values (the model's own rule)."""
    return prop.fget(SimpleNamespace(**values))


def _by_claim(rows) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["claim_id"]].append(row)
    return grouped


def _occurred_display(row: dict, prefix: str) -> str:
    """A linked claim's ``occurred_display`` from its columns read with ``prefix``."""
    return _display(
        Claim.occurred_display,
        occurred_start=row[f"{prefix}occurred_start"],
        occurred_end=row[f"{prefix}occurred_end"],
        occurred_precision=row[f"{prefix}occurred_precision"],
        ongoing=row[f"{prefix}ongoing"],
    )


# The related rows that need no marking rule: the same SQL for every page and reader,
# compiled once (core.rows.CompiledRows).
_TOPIC_ROWS = CompiledRows(
    lambda ids: (
        Claim.topics.through.objects.filter(claim_id__in_array=ids)
        .order_by(*(f"topic__{name}" for name in Topic._meta.ordering), "topic_id")
        .values("claim_id", "topic_id", "topic__name", "topic__slug", "topic__description")
    )
)
_LOCATION_ROWS = CompiledRows(
    lambda ids: (
        Claim.locations.through.objects.filter(claim_id__in_array=ids)
        .order_by(*(f"location__{name}" for name in Location._meta.ordering), "location_id")
        .values(
            "claim_id",
            "location_id",
            "location__name",
            "location__kind",
            "location__latitude",
            "location__longitude",
            "location__precision",
        )
    )
)
_QUANTITY_ROWS = CompiledRows(
    lambda ids: (
        Quantity.objects.filter(claim_id__in_array=ids)
        .order_by("claim_id", "pk")
        .values(
            "claim_id", "measure", "low", "high", "unit_of_measure", "approximate", "as_of", "note"
        )
    )
)
# SourceSummarySerializer's fields.
_SOURCE_FIELDS = ("id", "name", "kind", "country", "reliability")
_INVOLVEMENT_ROWS = CompiledRows(
    lambda ids: (
        UnitInvolvement.objects.filter(claim_id__in_array=ids)
        .order_by("claim_id", "pk")
        .values(
            "claim_id",
            "unit_id",
            "unit__name",
            "unit__abbreviation",
            "unit__echelon",
            "unit__country",
            "role",
            "note",
            *(f"attributed_by__{name}" for name in _SOURCE_FIELDS),
        )
    )
)
# The ORBAT path of every unit involved in the claims.
_PATH_ROWS = CompiledRows(
    lambda ids: orbat_path_rows(
        UnitInvolvement.objects.filter(claim_id__in_array=ids).values("unit_id")
    )
)
# Who the claims are shared with, in name order.
_GROUP_ROWS = CompiledRows(
    lambda ids: (
        Claim.sharing_groups.through.objects.filter(claim_id__in_array=ids)
        .order_by("group__name")
        .values("claim_id", "group__name")
    )
)
_USER_ROWS = CompiledRows(
    lambda ids: (
        Claim.shared_with.through.objects.filter(claim_id__in_array=ids)
        .order_by("user__username")
        .values("claim_id", "user__username")
    )
)


def _topics(rows: list[dict]) -> dict[int, list[dict]]:
    return {
        claim_id: [
            {
                "id": row["topic_id"],
                "name": row["topic__name"],
                "slug": row["topic__slug"],
                "description": row["topic__description"],
            }
            for row in group
        ]
        for claim_id, group in _by_claim(rows).items()
    }


def _locations(rows: list[dict]) -> dict[int, list[dict]]:
    latitude, longitude = _decimal(Location, "latitude"), _decimal(Location, "longitude")
    return {
        claim_id: [
            {
                "id": row["location_id"],
                "name": row["location__name"],
                "kind": row["location__kind"],
                "latitude": _opt(latitude, row["location__latitude"]),
                "longitude": _opt(longitude, row["location__longitude"]),
                "precision": row["location__precision"],
            }
            for row in group
        ]
        for claim_id, group in _by_claim(rows).items()
    }


def _quantities(rows: list[dict]) -> dict[int, list[dict]]:
    low, high = _decimal(Quantity, "low"), _decimal(Quantity, "high")
    return {
        claim_id: [
            {
                "measure": row["measure"],
                "low": _opt(low, row["low"]),
                "high": _opt(high, row["high"]),
                "unit_of_measure": row["unit_of_measure"],
                "approximate": row["approximate"],
                "as_of": _opt(_date, row["as_of"]),
                "note": row["note"],
            }
            for row in group
        ]
        for claim_id, group in _by_claim(rows).items()
    }


def _source(row: dict, prefix: str) -> dict | None:
    """The source summary read with ``prefix`` (null when the row has none)."""
    if row[f"{prefix}id"] is None:
        return None
    return {name: row[f"{prefix}{name}"] for name in _SOURCE_FIELDS}


def _reader(user) -> tuple | None:
    """What the SQL of a marked query depends on: the reader's marking signature (None, no
    reader: every citation, for internal use; not the same as an anonymous reader's none)."""
    return None if user is None else marking_signature(user)


def _citation_query(ids: list[int], user) -> QuerySet:
    """The citations of the claims that ``user`` may see, with publication and source."""
    publication, source = "publication__", "publication__source__"
    return (
        page_citations(user)
        .filter(claim_id__in_array=ids)
        .values(
            "claim_id",
            "id",
            "uuid",
            "stance",
            "excerpt",
            "excerpt_language",
            "translation",
            "locator_page",
            "locator_paragraph",
            "locator_timestamp",
            "locator_footnote",
            "credibility",
            "note",
            "created_at",
            "updated_at",
            *(
                f"{publication}{name}"
                for name in (
                    "id",
                    "title",
                    "kind",
                    "published_on",
                    "published_precision",
                    "url",
                    "marking",
                )
            ),
            *(f"{source}{name}" for name in _SOURCE_FIELDS),
        )
    )


def _citations(rows: list[dict]) -> dict[int, list[dict]]:
    source = "publication__source__"
    rendered: dict[int, list[dict]] = defaultdict(list)
    stamp = _datetime_formatter()
    for row in rows:
        published_on = row["publication__published_on"]
        precision = row["publication__published_precision"]
        reliability = row["publication__source__reliability"]
        rendered[row["claim_id"]].append(
            {
                "id": row["id"],
                "uuid": str(row["uuid"]),
                "publication": {
                    "id": row["publication__id"],
                    "title": row["publication__title"],
                    "kind": row["publication__kind"],
                    "published_on": _opt(_date, published_on),
                    "published_precision": precision,
                    "published_display": _display(
                        Publication.published_display,
                        published_on=published_on,
                        published_precision=precision,
                    ),
                    "url": row["publication__url"],
                    "marking": row["publication__marking"],
                    "source": _source(row, source),
                },
                "stance": row["stance"],
                "excerpt": row["excerpt"],
                "excerpt_language": row["excerpt_language"],
                "translation": row["translation"],
                "locator": {
                    "page": row["locator_page"],
                    "paragraph": row["locator_paragraph"],
                    "timestamp": _opt(_duration, row["locator_timestamp"]),
                    "footnote": row["locator_footnote"],
                    "display": _display(
                        Citation.locator_display,
                        locator_page=row["locator_page"],
                        locator_paragraph=row["locator_paragraph"],
                        locator_timestamp=row["locator_timestamp"],
                        locator_footnote=row["locator_footnote"],
                    ),
                },
                "credibility": row["credibility"],
                "grade": f"{reliability}{row['credibility']}",
                "note": row["note"],
                "created_at": _opt(stamp, row["created_at"]),
                "updated_at": _opt(stamp, row["updated_at"]),
            }
        )
    return rendered


def _involvements(rows: list[dict], paths: dict[int, str]) -> dict[int, list[dict]]:
    return {
        claim_id: [
            {
                "unit": {
                    "id": row["unit_id"],
                    "name": row["unit__name"],
                    "abbreviation": row["unit__abbreviation"],
                    "echelon": row["unit__echelon"],
                    "country": row["unit__country"],
                },
                "orbat_path": paths.get(
                    row["unit_id"], row["unit__abbreviation"] or row["unit__name"]
                ),
                "role": row["role"],
                "attributed_by": _source(row, "attributed_by__"),
                "note": row["note"],
            }
            for row in group
        ]
        for claim_id, group in _by_claim(rows).items()
    }


# Compiled once per reader (their marking rule is part of the SQL).
_CITATION_ROWS = CompiledRows(_citation_query, key=_reader)


def _relation_query(ids: list[int], user) -> QuerySet:
    """The links from the claims to claims ``user`` may see."""
    other = "to_claim__"
    return (
        page_relations(user)
        .filter(from_claim_id__in_array=ids)
        .order_by("from_claim_id", "pk")
        .values(
            "from_claim_id",
            "kind",
            "note",
            *(
                f"{other}{name}"
                for name in (
                    "id",
                    "title",
                    "kind",
                    "status",
                    "marking",
                    "occurred_start",
                    "occurred_end",
                    "occurred_precision",
                    "ongoing",
                )
            ),
        )
    )


_RELATION_ROWS = CompiledRows(_relation_query, key=_reader)


def _relations(rows: list[dict]) -> dict[int, list[dict]]:
    other = "to_claim__"
    rendered: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        rendered[row["from_claim_id"]].append(
            {
                "claim": {
                    "id": row["to_claim__id"],
                    "title": row["to_claim__title"],
                    "kind": row["to_claim__kind"],
                    "status": row["to_claim__status"],
                    "marking": row["to_claim__marking"],
                    "occurred_display": _occurred_display(row, other),
                },
                "kind": row["kind"],
                "note": row["note"],
            }
        )
    return rendered


def _names(rows: list[dict], name: str) -> dict[int, list[str]]:
    """Who the claims are shared with: ``name`` (``group__name``, ``user__username``) of
    each of ``rows``, in order."""
    names: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        names[row["claim_id"]].append(row[name])
    return names


def _period(claim: Claim) -> dict[str, Any]:
    """``OccurrenceSerializer``'s rendering of the claim's period."""
    return {
        "start": _opt(_date, claim.occurred_start),
        "end": _opt(_date, claim.occurred_end),
        "precision": claim.occurred_precision,
        "ongoing": claim.ongoing,
        "display": claim.occurred_display,
    }


def _text(attribute: str) -> Callable[[Claim], Any]:
    get = attrgetter(attribute)
    return lambda claim: _opt(str, get(claim))


def _blank_as_null(attribute: str) -> Callable[[Claim], Any]:
    get = attrgetter(attribute)
    return lambda claim: get(claim) or None


def _username(attribute: str) -> Callable[[Claim], Any]:
    # The id first: no user to read when there is none.
    user, user_id = attrgetter(attribute), attrgetter(f"{attribute}_id")
    return lambda claim: user(claim).username if user_id(claim) is not None else None


# How each kind of field is read from a claim, for the fields whose reading is the same on
# every page; timestamps (the reader's time zone) and related rows (the page's) are bound
# per page in ``_readers``.
_READERS_BY_RENDER: dict[Render, Callable[[str], Callable[[Claim], Any]]] = {
    Render.VALUE: attrgetter,
    Render.TEXT: _text,
    Render.BLANK_AS_NULL: _blank_as_null,
    Render.USER: _username,
    Render.PERIOD: lambda attribute: _period,
    Render.DETAIL: lambda attribute: lambda claim: None,
}
# The related rows of each API field, rendered from what ``render_claims`` fetched: claim id
# -> the field's value.
_RELATED: dict[str, Callable[[dict[str, list[dict]]], dict[int, list]]] = {
    "topics": lambda rows: _topics(rows["topics"]),
    "locations": lambda rows: _locations(rows["locations"]),
    "quantities": lambda rows: _quantities(rows["quantities"]),
    "units": lambda rows: _involvements(rows["units"], joined_paths(rows["paths"])),
    "citations": lambda rows: _citations(rows["citations"]),
    "related": lambda rows: _relations(rows["related"]),
    "sharing_groups": lambda rows: _names(rows["groups"], "group__name"),
    "shared_with": lambda rows: _names(rows["people"], "user__username"),
}
_missing = {field.name for field in API_FIELDS if field.render is Render.RELATED} - _RELATED.keys()
if _missing:
    raise ImproperlyConfigured(
        f"claims.api.listing renders no related rows for the API's fields {sorted(_missing)}."
    )
# Built once: the list path's row is a dict of these readers' values, in the API's order.
_FIXED_READERS: tuple[tuple[str, Render, str, Callable[[Claim], Any] | None], ...] = tuple(
    (
        field.name,
        field.render,
        field.attribute,
        _READERS_BY_RENDER[field.render](field.attribute)
        if field.render in _READERS_BY_RENDER
        else None,
    )
    for field in API_FIELDS
)


def _readers(
    related: dict[str, dict[int, list]], stamp: Callable[[Any], str]
) -> list[tuple[str, Callable[[Claim], Any]]]:
    """Each API field's name and how this page reads it from a claim."""

    def related_rows(rows: dict[int, list]) -> Callable[[Claim], list]:
        return lambda claim: rows.get(claim.pk, [])

    def timestamp(attribute: str) -> Callable[[Claim], Any]:
        get = attrgetter(attribute)
        return lambda claim: _opt(stamp, get(claim))

    readers = []
    for name, render, attribute, read in _FIXED_READERS:
        if render is Render.RELATED:
            read = related_rows(related[name])
        elif render is Render.TIMESTAMP:
            read = timestamp(attribute)
        readers.append((name, read))
    return readers


def render_claims(claims: list[Claim], user) -> list[dict[str, Any]]:
    """``claims`` (read with ``select_related("created_by", "updated_by")`` and visible to
    ``user``) as ``ClaimSerializer`` renders them in a list, with what ``user`` may see of
    their evidence and links: nine queries sent in one round trip (PostgreSQL), whatever the
    number of claims."""
    ids = [claim.pk for claim in claims]
    if not ids:
        return []
    rows = fetch_together(
        {
            "topics": _TOPIC_ROWS.query(ids),
            "locations": _LOCATION_ROWS.query(ids),
            "quantities": _QUANTITY_ROWS.query(ids),
            "citations": _CITATION_ROWS.query(ids, user),
            "units": _INVOLVEMENT_ROWS.query(ids),
            "paths": _PATH_ROWS.query(ids),
            "related": _RELATION_ROWS.query(ids, user),
            "groups": _GROUP_ROWS.query(ids),
            "people": _USER_ROWS.query(ids),
        },
        as_text=_stamps_as_text(),
    )
    related = {name: render(rows) for name, render in _RELATED.items()}
    readers = _readers(related, _datetime_formatter())
    return [{name: read(claim) for name, read in readers} for claim in claims]
