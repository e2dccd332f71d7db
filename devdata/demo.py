"""Load the demo data set (``devdata/demo_data.yaml``) through the exchange document importer.

The YAML is the human-edited source: every record has a short key and refers to others by
key. ``demo_document`` turns it into an exchange document (``interchange.document``'s
format) by giving each keyed record ``uuid5(NAMESPACE, "<app_label.Model>:<key>")`` and each
reference the uuid of the record it names; ``load_demo`` hands that document to
``interchange.importer.import_document``, the one loader of every exchange document. So the
demo data is validated, matched, written, given history and corroborated exactly as an
import is: all or nothing, and a second run finds every row equal and writes nothing.

The conversion checks only what is the YAML's own: its sections, keys, and that a key
referred to names a record of the file. Everything about the values (choices, dates, URLs,
ORBAT cycles, uniqueness) is the importer's, whose errors are reported here with the YAML's
keys and field names ("claims[claim-x].units[1].unit: ...").

Plain fields the YAML leaves out get the model's default, as an exported record would carry
them: reloading resets a demo record an analyst edited to the file's values. What a record
owns (aliases, honorific titles, quantities, people, topics, places) is brought in line with
the file; records and links the file does not name are never deleted.
"""

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml
from django.db import models

from claims.models import Citation, Claim, ClaimRelation, Quantity, Topic, UnitInvolvement
from interchange import FORMAT_NAME, FORMAT_VERSION
from interchange.document import (
    CITATION_FIELDS,
    CLAIM_FIELDS,
    HONORIFIC_FIELDS,
    INVOLVEMENT_FIELDS,
    LOCATION_FIELDS,
    PUBLICATION_FIELDS,
    QUANTITY_FIELDS,
    REFERENCE_FIELDS,
    RELATION_FIELDS,
    SOURCE_FIELDS,
    TOPIC_FIELDS,
    UNIT_FIELDS,
    plain,
)
from interchange.importer import ImportReport, RecordError, import_document
from places.models import Location
from sources.models import Publication, PublicationPerson, PublicationReference, Source
from units.models import Unit, UnitHonorific

# Never change: it is what lets a second run find the rows the first run created.
NAMESPACE = uuid.UUID("a2811519-dfd9-490f-b08c-54543c27c04a")

DEFAULT_PATH = Path(__file__).with_name("demo_data.yaml")

SECTIONS = ("topics", "sources", "publications", "units", "locations", "claims")

# The history reason of every row the demo data writes: the file is the rationale for the
# grades and statuses in it, which are the analyst's judgements.
REASON = "Loaded from the demo data set (devdata/demo_data.yaml)."

ENTRY_PATH = "command:load_demo"

# The kinds the importer counts, in the order the summary lists them, with the label it uses.
# Owned rows (aliases, honorifics, quantities, people, topics and places of a claim) count as
# an update of their owner.
REPORTED_MODELS: tuple[tuple[type[models.Model], str], ...] = (
    (Topic, "Topics"),
    (Source, "Sources"),
    (Publication, "Publications"),
    (PublicationReference, "Publication references"),
    (Unit, "Units"),
    (Location, "Locations"),
    (Claim, "Claims"),
    (Citation, "Citations"),
    (UnitInvolvement, "Unit involvements"),
    (ClaimRelation, "Claim relations"),
)

# The importer's name of each reported kind.
KIND_OF: dict[type[models.Model], str] = {
    Topic: "topics",
    Source: "sources",
    Publication: "publications",
    PublicationReference: "references",
    Unit: "units",
    Location: "locations",
    Claim: "claims",
    Citation: "citations",
    UnitInvolvement: "involvements",
    ClaimRelation: "relations",
}

# The YAML's names where they differ from the document's, to report the importer's errors
# in the file's terms.
YAML_NAMES = {"involvements": "units", "to_claim": "to"}


class DemoDataError(ValueError):
    """The demo file is wrong; the message names each record and field at fault."""


def demo_uuid(model: type[models.Model], key: str) -> uuid.UUID:
    """The stable UUID of the demo record ``key`` of ``model``."""
    return uuid.uuid5(NAMESPACE, f"{model._meta.label}:{key}")


@dataclass
class Tally:
    """How many records of one kind the file names, and how many of them a run wrote."""

    total: int = 0
    created: int = 0
    updated: int = 0

    def __str__(self) -> str:
        return f"{self.total} ({self.created} created, {self.updated} updated)"


@dataclass
class DemoCounts:
    """Per-kind tallies of one ``load_demo`` run, read from the importer's report."""

    tallies: dict[type[models.Model], Tally] = field(
        default_factory=lambda: {model: Tally() for model, _label in REPORTED_MODELS}
    )

    @classmethod
    def from_report(cls, report: ImportReport) -> "DemoCounts":
        """The tallies of ``report``, by model."""
        counts = cls()
        for model, kind in KIND_OF.items():
            tally = report.counts[kind]
            counts.tallies[model] = Tally(
                total=tally.created + tally.updated + tally.unchanged,
                created=tally.created,
                updated=tally.updated,
            )
        return counts

    def __getitem__(self, model: type[models.Model]) -> Tally:
        return self.tallies[model]

    @property
    def changed(self) -> bool:
        """True if the run wrote anything."""
        return any(t.created or t.updated for t in self.tallies.values())

    def lines(self) -> list[str]:
        """One summary line per kind: "Sources: 23 (0 created, 0 updated)"."""
        return [f"{label}: {self.tallies[model]}" for model, label in REPORTED_MODELS]


def load_demo(path: Path | str | None = None, stdout: TextIO | None = None) -> DemoCounts:
    """Create or update the demo data from ``path`` (default: the bundled file), atomically."""
    path = Path(path) if path else DEFAULT_PATH
    converted = _Converter(read_demo_file(path))
    document = converted.document()
    report = import_document(document, name=path.name, reason=REASON, path=ENTRY_PATH)
    if report.errors:
        # Nothing was written: the importer rolls back a document with any error.
        raise DemoDataError("\n".join(converted.describe(error) for error in report.errors))
    counts = DemoCounts.from_report(report)
    if stdout is not None:
        # Only after the commit: a failed run writes nothing, so it reports no counts either.
        for line in counts.lines():
            stdout.write(f"{line}\n")
    return counts


def read_demo_file(path: Path) -> dict[str, list[Any]]:
    """Parse the demo YAML and check its top-level shape."""
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise DemoDataError(f"Cannot read the demo file {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise DemoDataError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DemoDataError(f"{path}: expected a mapping with the sections {', '.join(SECTIONS)}.")
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise DemoDataError(
            f"{path}: unknown section(s) {', '.join(sorted(map(str, unknown)))}; "
            f"expected {', '.join(SECTIONS)}."
        )
    for section in SECTIONS:
        records = data.setdefault(section, [])
        if records is None:
            data[section] = []
        elif not isinstance(records, list):
            raise DemoDataError(f"{path}: section {section!r} must be a list of records.")
    return data


def demo_document(path: Path | str | None = None) -> dict[str, Any]:
    """The demo YAML at ``path`` (default: the bundled file) as an exchange document."""
    return _Converter(read_demo_file(Path(path) if path else DEFAULT_PATH)).document()


# --- YAML -> exchange document --------------------------------------------------------------


def _defaults(model: type[models.Model], names: Iterable[str]) -> dict[str, Any]:
    """Each plain field's model default, as the document writes it."""
    return {name: plain(model._meta.get_field(name).get_default()) for name in names}


def _plain(value: Any) -> Any:
    """A YAML value as JSON would carry it; lists and mappings are left to the importer."""
    return value if isinstance(value, list | dict) else plain(value)


class _Converter:
    """One YAML file turned into one document; keeps what it takes to name errors by key."""

    def __init__(self, data: dict[str, list[Any]]) -> None:
        self.data = data
        self.errors: list[str] = []
        # The key of each record by section and position, and the key of each uuid given.
        self.keys: dict[str, list[str]] = {}
        self.uuid_keys: dict[str, str] = {}

    def document(self) -> dict[str, Any]:
        """The exchange document, or a DemoDataError naming every key problem."""
        for section in SECTIONS:
            self.keys[section] = self._keys(section)
        document = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "topics": [self._topic(record) for record in self.data["topics"]],
            "locations": self._section("locations", Location, self._location),
            "sources": self._section("sources", Source, self._source),
            "units": self._section("units", Unit, self._unit),
            "publications": self._section("publications", Publication, self._publication),
            "claims": self._section("claims", Claim, self._claim),
        }
        if self.errors:
            raise DemoDataError("\n".join(self.errors))
        return document

    def _keys(self, section: str) -> list[str]:
        """The key of every record of ``section``; refuses records without one and twins."""
        keys: list[str] = []
        for index, raw in enumerate(self.data[section]):
            key = raw.get("key") if isinstance(raw, dict) else None
            if not isinstance(raw, dict):
                self.errors.append(f"{section}[#{index + 1}]: expected a mapping, got {raw!r}.")
            elif key in (None, "") or isinstance(key, bool | list | dict):
                self.errors.append(f"{section}[#{index + 1}].key: a key is required.")
            elif str(key) in keys:
                self.errors.append(f"{section}[{key}]: the key {str(key)!r} is used twice.")
            keys.append(str(key) if key is not None else f"#{index + 1}")
        return keys

    def _uuid(self, model: type[models.Model], key: str) -> str:
        value = str(demo_uuid(model, key))
        self.uuid_keys[value] = key
        return value

    def _ref(self, where: str, section: str, model: type[models.Model], key: Any) -> str | None:
        """The uuid of the record of ``section`` that ``key`` names, or None with an error."""
        if key in (None, ""):
            return None
        if str(key) not in self.keys[section]:
            self.errors.append(f"{where}: unknown {model._meta.model_name} key {str(key)!r}.")
            return None
        return self._uuid(model, str(key))

    def _section(self, section: str, model: type[models.Model], convert) -> list[dict[str, Any]]:
        records = []
        for key, raw in zip(self.keys[section], self.data[section], strict=True):
            if isinstance(raw, dict):
                where = f"{section}[{key}]"
                records.append({"uuid": self._uuid(model, key), **convert(where, key, raw)})
            else:
                records.append(raw)  # the importer reports it with its position
        return records

    @staticmethod
    def _fields(
        model: type[models.Model], names: Iterable[str], raw: dict, special: Iterable[str] = ()
    ) -> dict[str, Any]:
        """The model's defaults, overridden by what the YAML gives; fields the importer does
        not know pass through for it to refuse."""
        taken = {"key", *special}
        given = {name: _plain(value) for name, value in raw.items() if name not in taken}
        return {**_defaults(model, names), **given}

    def _children(self, where: str, raw: dict, name: str) -> list[tuple[str, Any]]:
        values = raw.get(name) or []
        if not isinstance(values, list):
            self.errors.append(f"{where}.{name}: expected a list, got {values!r}.")
            return []
        return [(f"{where}.{name}[{i + 1}]", value) for i, value in enumerate(values)]

    def _keys_list(self, where: str, raw: dict, name: str) -> list[str]:
        values = raw.get(name) or []
        if not isinstance(values, list):
            self.errors.append(f"{where}.{name}: expected a list of keys, got {values!r}.")
            return []
        return [str(value) for value in values]

    # -- one record of each section

    def _topic(self, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        return {**self._fields(Topic, TOPIC_FIELDS, raw), "slug": str(raw.get("key"))}

    def _location(self, where: str, key: str, raw: dict) -> dict[str, Any]:
        record = self._fields(Location, LOCATION_FIELDS, raw, {"parent"})
        record["parent"] = self._ref(f"{where}.parent", "locations", Location, raw.get("parent"))
        return record

    def _source(self, where: str, key: str, raw: dict) -> dict[str, Any]:
        record = self._fields(Source, SOURCE_FIELDS, raw, {"affiliation"})
        record["affiliation"] = self._ref(
            f"{where}.affiliation", "sources", Source, raw.get("affiliation")
        )
        return record

    def _unit(self, where: str, key: str, raw: dict) -> dict[str, Any]:
        record = self._fields(Unit, UNIT_FIELDS, raw, {"parent", "honorifics"})
        record["parent"] = self._ref(f"{where}.parent", "units", Unit, raw.get("parent"))
        record["honorifics"] = [
            self._fields(UnitHonorific, HONORIFIC_FIELDS, value)
            if isinstance(value, dict)
            else value
            for _where, value in self._children(where, raw, "honorifics")
        ]
        return record

    def _publication(self, where: str, key: str, raw: dict) -> dict[str, Any]:
        record = self._fields(
            Publication, PUBLICATION_FIELDS, raw, {"source", "people", "references"}
        )
        record["source"] = self._ref(f"{where}.source", "sources", Source, raw.get("source"))
        record["people"] = []
        for inner, value in self._children(where, raw, "people"):
            if isinstance(value, dict):
                value = {
                    **_defaults(PublicationPerson, ["role"]),
                    **value,
                    "person": self._ref(f"{inner}.person", "sources", Source, value.get("person")),
                }
            record["people"].append(value)
        record["references"] = []
        for inner, value in self._children(where, raw, "references"):
            if isinstance(value, dict):
                cited = value.get("cited")
                value = self._fields(PublicationReference, REFERENCE_FIELDS, value, {"cited"})
                value["uuid"] = self._uuid(PublicationReference, f"{key}>{cited}:{value['kind']}")
                value["cited"] = self._ref(f"{inner}.cited", "publications", Publication, cited)
            record["references"].append(value)
        return record

    def _claim(self, where: str, key: str, raw: dict) -> dict[str, Any]:
        nested = {"topics", "locations", "quantities", "citations", "units", "relations"}
        record = self._fields(Claim, CLAIM_FIELDS, raw, nested)
        topics = self._keys_list(where, raw, "topics")
        for topic in topics:
            if topic not in self.keys["topics"]:
                self.errors.append(f"{where}.topics: unknown topic key {topic!r}.")
        record["topics"] = topics
        record["locations"] = [
            self._ref(f"{where}.locations", "locations", Location, value)
            for value in self._keys_list(where, raw, "locations")
        ]
        record["quantities"] = [
            self._fields(Quantity, QUANTITY_FIELDS, value) if isinstance(value, dict) else value
            for _inner, value in self._children(where, raw, "quantities")
        ]
        record["citations"] = []
        for inner, value in self._children(where, raw, "citations"):
            if isinstance(value, dict):
                publication = value.get("publication")
                citation_key = str(value.get("key") or publication)
                value = {
                    **self._fields(Citation, CITATION_FIELDS, value, {"publication"}),
                    "uuid": self._uuid(Citation, f"{key}/{citation_key}"),
                    "publication": self._ref(
                        f"{inner}.publication", "publications", Publication, publication
                    ),
                }
            record["citations"].append(value)
        record["involvements"] = []
        for inner, value in self._children(where, raw, "units"):
            if isinstance(value, dict):
                unit, role = value.get("unit"), value.get("role")
                value = {
                    **self._fields(
                        UnitInvolvement, INVOLVEMENT_FIELDS, value, {"unit", "attributed_by"}
                    ),
                    "uuid": self._uuid(UnitInvolvement, f"{key}:{unit}:{role}"),
                    "unit": self._ref(f"{inner}.unit", "units", Unit, unit),
                    "attributed_by": self._ref(
                        f"{inner}.attributed_by", "sources", Source, value.get("attributed_by")
                    ),
                }
            record["involvements"].append(value)
        record["relations"] = []
        for inner, value in self._children(where, raw, "relations"):
            if isinstance(value, dict):
                to, kind = value.get("to"), value.get("kind")
                value = {
                    **self._fields(ClaimRelation, RELATION_FIELDS, value, {"to"}),
                    "uuid": self._uuid(ClaimRelation, f"{key}>{to}:{kind}"),
                    "to_claim": self._ref(f"{inner}.to", "claims", Claim, to),
                }
            record["relations"].append(value)
        return record

    # -- the importer's errors in the YAML's terms

    def describe(self, error: RecordError) -> str:
        """``error`` with the record's key, 1-based nested positions and the YAML's names:
        "claims[claim-x].units[1].unit: No unit with uuid ..." ."""
        if error.kind == "document" or error.index is None:
            where = error.kind
        else:
            keys = self.keys.get(error.kind, [])
            key = keys[error.index] if error.index < len(keys) else f"#{error.index + 1}"
            where = f"{error.kind}[{key}]"
        path = re.sub(
            r"(\w+)\[(\d+)\]",
            lambda m: f"{YAML_NAMES.get(m[1], m[1])}[{int(m[2]) + 1}]",
            error.field,
        )
        path = ".".join(YAML_NAMES.get(part, part) for part in path.split("."))
        message = re.sub(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            lambda m: self.uuid_keys.get(m[0], m[0]),
            error.message,
        )
        return f"{where}: {message}" if path == "__all__" else f"{where}.{path}: {message}"
