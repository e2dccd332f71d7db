"""Flat CSV rows of claims and units: for spreadsheets, and back in through the importer.

Exports stream: rows are read with ``iterator(chunk_size=...)`` and related rows prefetched
per chunk, so the number of queries grows with the number of chunks, never of rows. A row
carries readable columns (places, units with their roles, the grade, sources) next to the
columns an import reads; the readable ones are ignored on import (``*_IMPORT_COLUMNS``).

Cells that a spreadsheet would run as a formula or a DDE call (starting with ``=``, ``+``,
``-``, ``@``, ``|``, their full-width forms, a tab or a carriage return) are written with a
leading apostrophe, which the import strips again.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, QuerySet

from claims import fields as claim_fields
from claims.fields import PERIOD_ATTRIBUTES, Render
from claims.models import Citation, Claim, Topic, UnitInvolvement
from core.ids import uuid7
from places.models import Location
from units.models import Unit

from .document import CHUNK_SIZE, plain

LIST_SEPARATOR = "; "

# The claim columns and those an import reads (the others are derived or for reading) are
# laid out by claims.fields (CSV_FIELDS).
CLAIM_COLUMNS = claim_fields.CSV_COLUMNS
CLAIM_IMPORT_COLUMNS = claim_fields.CSV_IMPORT_COLUMNS

UNIT_COLUMNS = (
    "id",
    "uuid",
    "name",
    "abbreviation",
    "country",
    "echelon",
    "branch",
    "parent",
    "parent_name",
    "orbat",
    "aliases",
    "description",
    "archived_at",
)
UNIT_IMPORT_COLUMNS = (
    "uuid",
    "name",
    "abbreviation",
    "country",
    "echelon",
    "branch",
    "parent",
    "aliases",
    "description",
)

# Spreadsheets read the full-width forms (U+FF1D ＝, U+FF0B ＋, U+FF0D －, U+FF20 ＠, U+FF5C ｜)
# as the ASCII ones when they decide what a cell is.
_FORMULA_START = (
    "=",
    "+",
    "-",
    "@",
    "|",
    "\t",
    "\r",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",
    "\uff5c",
)


def _cell(value: Any) -> str:
    """A value as a CSV cell, defused so a spreadsheet shows it rather than running it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(plain(value))
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _uncell(text: str) -> str:
    """A cell as written by ``_cell``, back to its value."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def _lines(columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV text, one line per yield, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Iterable[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(columns)
    for row in rows:
        yield line(_cell(row.get(name)) for name in columns)


# -- claims ------------------------------------------------------------------------------------


def claim_rows_queryset(
    claims: QuerySet | None = None, user=None, archived: bool | None = False
) -> QuerySet:
    """Claims with what a row shows, prefetched per chunk (five queries a chunk).

    Given ``user``, ``claims`` must come from ``visible_to(user)``, and only the citations they
    may see are counted and named: a hidden publication's source does not leak into a row.
    ``archived=None``: archived claims and citations too (an editor's full export).
    """
    if claims is None:
        claims = Claim.objects.all() if user is None else Claim.objects.visible_to(user, archived)
    citations = (
        Citation.objects.all() if user is None else Citation.objects.visible_to(user, archived)
    )
    return (
        claims.select_related(None)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("topics", queryset=Topic.objects.only("pk", "slug")),
            Prefetch("locations", queryset=Location.objects.only("pk", "uuid", "name")),
            Prefetch(
                "involvements",
                queryset=UnitInvolvement.objects.select_related("unit").order_by("unit__name"),
            ),
            Prefetch(
                "citations",
                queryset=citations.select_related(None)
                .select_related("publication__source")
                .only("pk", "claim_id", "publication__id", "publication__source__name"),
                to_attr="csv_citations",
            ),
        )
    )


def _places(claim: Claim) -> dict[str, Any]:
    places = sorted(claim.locations.all(), key=lambda place: place.name)
    return {
        "places": LIST_SEPARATOR.join(place.name for place in places),
        "place_uuids": LIST_SEPARATOR.join(str(place.uuid) for place in places),
    }


# The columns of a claim's related records, by field name (claims.fields), from what
# ``claim_rows_queryset`` prefetched.
_CLAIM_RELATED: dict[str, Callable[[Claim], dict[str, Any]]] = {
    "topics": lambda claim: {
        "topics": LIST_SEPARATOR.join(sorted(topic.slug for topic in claim.topics.all()))
    },
    "locations": _places,
    "units": lambda claim: {
        "units": LIST_SEPARATOR.join(
            f"{inv.unit.short_name} ({inv.role})" for inv in claim.involvements.all()
        )
    },
    "citations": lambda claim: {"citations": len(claim.csv_citations)},
    "sources": lambda claim: {
        "sources": LIST_SEPARATOR.join(
            sorted({citation.publication.source.name for citation in claim.csv_citations})
        )
    },
}


def _claim_cells() -> tuple[tuple[tuple[str, Callable[[Claim], Any]], ...], tuple]:
    """The claim columns read from one attribute each (column, reader), and the functions
    that write the columns of related records."""
    own: list[tuple[str, Callable[[Claim], Any]]] = []
    related: list[Callable[[Claim], dict[str, Any]]] = []
    for field in claim_fields.CSV_FIELDS:
        if field.render is Render.RELATED:
            if field.name not in _CLAIM_RELATED:
                raise ImproperlyConfigured(
                    f"interchange.csv writes no columns for the claim field {field.name!r} "
                    f"that claims.fields declares for the CSV."
                )
            related.append(_CLAIM_RELATED[field.name])
        elif field.render is Render.PERIOD:
            # The period's own attributes, then its display (occurred_display).
            own.extend(
                (column, attrgetter(column if column in PERIOD_ATTRIBUTES else field.attribute))
                for column in field.csv
            )
        else:
            (column,) = field.csv
            own.append((column, attrgetter(field.attribute)))
    return tuple(own), tuple(related)


# Built once: a row is these readers' values (``_cell`` formats them).
_CLAIM_OWN_CELLS, _CLAIM_RELATED_CELLS = _claim_cells()


def claim_row(claim: Claim) -> dict[str, Any]:
    """One claim as a flat row (from ``claim_rows_queryset``: no query)."""
    row = {column: read(claim) for column, read in _CLAIM_OWN_CELLS}
    for cells in _CLAIM_RELATED_CELLS:
        row.update(cells(claim))
    return row


def claim_csv_lines(
    claims: QuerySet | None = None,
    user=None,
    chunk_size: int = CHUNK_SIZE,
    archived: bool | None = False,
) -> Iterator[str]:
    """The claims as CSV lines, streamed (header first); ``archived`` as
    ``claim_rows_queryset`` takes it."""
    queryset = claim_rows_queryset(claims, user, archived)
    rows = (claim_row(claim) for claim in queryset.iterator(chunk_size=chunk_size))
    return _lines(CLAIM_COLUMNS, rows)


# -- units -------------------------------------------------------------------------------------


def _unit_rows(queryset: QuerySet, chunk_size: int) -> Iterator[dict[str, Any]]:
    """Unit rows, the ORBAT paths of each chunk in one recursive query."""
    chunk: list[Unit] = []

    def flush() -> Iterator[dict[str, Any]]:
        paths = Unit.objects.orbat_paths([unit.pk for unit in chunk])
        for unit in chunk:
            yield unit_row(unit, paths.get(unit.pk, unit.short_name))
        chunk.clear()

    for unit in queryset.iterator(chunk_size=chunk_size):
        chunk.append(unit)
        if len(chunk) >= chunk_size:
            yield from flush()
    yield from flush()


def unit_rows_queryset(units: QuerySet | None = None) -> QuerySet:
    """Units with their parent and aliases (units carry no marking)."""
    units = Unit.objects.all() if units is None else units
    return units.select_related("parent").prefetch_related("aliases").order_by("name", "pk")


def unit_row(unit: Unit, orbat: str) -> dict[str, Any]:
    """One unit as a flat row."""
    return {
        "id": unit.pk,
        "uuid": unit.uuid,
        "name": unit.name,
        "abbreviation": unit.abbreviation,
        "country": unit.country,
        "echelon": unit.echelon,
        "branch": unit.branch,
        "parent": unit.parent.uuid if unit.parent else "",
        "parent_name": unit.parent.name if unit.parent else "",
        "orbat": orbat,
        "aliases": LIST_SEPARATOR.join(sorted(alias.name for alias in unit.aliases.all())),
        "description": unit.description,
        "archived_at": unit.archived_at,
    }


def unit_csv_lines(units: QuerySet | None = None, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """The units as CSV lines, streamed (header first)."""
    return _lines(UNIT_COLUMNS, _unit_rows(unit_rows_queryset(units), chunk_size))


# -- import ------------------------------------------------------------------------------------


class CsvFormatError(ValueError):
    """The CSV cannot be read as claims or units."""


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def claim_record_from_row(row: dict[str, str]) -> dict[str, Any]:
    """A claim row as a (partial) record of the exchange document."""
    record: dict[str, Any] = {}
    for name in CLAIM_IMPORT_COLUMNS:
        if name not in row:
            continue
        value = _uncell(row[name] or "")
        if name == "topics":
            record["topics"] = _split(value)
        elif name == "place_uuids":
            record["locations"] = _split(value)
        elif name == "ongoing":
            record["ongoing"] = value.strip().lower() in {"true", "1", "yes"}
        elif name in {"occurred_start", "occurred_end"}:
            record[name] = value or None
        else:
            record[name] = value
    # A new row without a uuid gets one; give uuids to make importing it again idempotent.
    record["uuid"] = record.get("uuid") or str(uuid7())
    return record


def unit_record_from_row(row: dict[str, str]) -> dict[str, Any]:
    """A unit row as a (partial) record of the exchange document."""
    record: dict[str, Any] = {}
    for name in UNIT_IMPORT_COLUMNS:
        if name not in row:
            continue
        value = _uncell(row[name] or "")
        if name == "aliases":
            record["aliases"] = _split(value)
        elif name == "parent":
            record["parent"] = value or None
        else:
            record[name] = value
    record["uuid"] = record.get("uuid") or str(uuid7())
    return record


def document_from_csv(text: str) -> dict[str, Any]:
    """A CSV of claims or units (told apart by their columns) as an exchange document."""
    from . import FORMAT_NAME, FORMAT_VERSION

    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or ())
    if {"statement", "title"} <= columns:
        section, convert = "claims", claim_record_from_row
    elif {"name", "echelon"} <= columns:
        section, convert = "units", unit_record_from_row
    else:
        raise CsvFormatError(
            "The CSV header names neither claims (title, statement, …) nor units "
            "(name, echelon, …); export one with export_data --format csv to see the columns."
        )
    try:
        records = [convert(row) for row in reader]
    except csv.Error as exc:
        raise CsvFormatError(f"Line {reader.line_num}: {exc}") from exc
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, section: records}
