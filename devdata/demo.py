"""Load the demo data set (``devdata/demo_data.yaml``) into the database, idempotently.

The YAML names every record by a short key. Records with a ``uuid`` get
``uuid5(NAMESPACE, "<app_label.Model>:<key>")``, so a second run finds the rows the first one
made; the rest are found by their natural keys. A field is written only when it differs from
the file, so re-running leaves ``updated_at`` (and the change history) alone.

What the file names is brought in line with it; what it does not name is never deleted, so
records an analyst added next to the demo data survive a reload. Changes an analyst made to
the demo records themselves are reset to the file's values.
"""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from claims.models import Citation, Claim, ClaimRelation, Quantity, Topic, UnitInvolvement
from claims.services import refresh_corroboration
from core.dates import period_end, period_start
from core.history import entry_path, record_creation
from places.models import Location, LocationAlias
from sources.models import Publication, PublicationPerson, PublicationReference, Source, SourceAlias
from units.models import Unit, UnitAlias, UnitHonorific

# Never change: it is what lets a second run find the rows the first run created.
NAMESPACE = uuid.UUID("a2811519-dfd9-490f-b08c-54543c27c04a")

DEFAULT_PATH = Path(__file__).with_name("demo_data.yaml")

SECTIONS = ("topics", "sources", "publications", "units", "locations", "claims")

ClaimTopic = Claim.topics.through
ClaimLocation = Claim.locations.through

# The order the summary lists models in, with the label it uses.
REPORTED_MODELS: tuple[tuple[type[models.Model], str], ...] = (
    (Topic, "Topics"),
    (Source, "Sources"),
    (SourceAlias, "Source aliases"),
    (Publication, "Publications"),
    (PublicationPerson, "People in publications"),
    (PublicationReference, "Publication references"),
    (Unit, "Units"),
    (UnitAlias, "Unit aliases"),
    (UnitHonorific, "Unit honorifics"),
    (Location, "Locations"),
    (LocationAlias, "Location aliases"),
    (Claim, "Claims"),
    (ClaimTopic, "Claim topics"),
    (ClaimLocation, "Claim locations"),
    (Quantity, "Quantities"),
    (Citation, "Citations"),
    (UnitInvolvement, "Unit involvements"),
    (ClaimRelation, "Claim relations"),
)


class DemoDataError(ValueError):
    """The demo file is wrong; the message names the record and field at fault."""


def demo_uuid(model: type[models.Model], key: str) -> uuid.UUID:
    """The stable UUID of the demo record ``key`` of ``model``."""
    return uuid.uuid5(NAMESPACE, f"{model._meta.label}:{key}")


@dataclass
class Tally:
    """How many records of one model the file names, and how many of them a run wrote."""

    total: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0

    def __str__(self) -> str:
        removed = f", {self.removed} removed" if self.removed else ""
        return f"{self.total} ({self.created} created, {self.updated} updated{removed})"


@dataclass
class DemoCounts:
    """Per-model tallies of one ``load_demo`` run."""

    tallies: dict[type[models.Model], Tally] = field(
        default_factory=lambda: {model: Tally() for model, _label in REPORTED_MODELS}
    )

    def __getitem__(self, model: type[models.Model]) -> Tally:
        return self.tallies[model]

    @property
    def changed(self) -> bool:
        """True if the run wrote anything."""
        return any(t.created or t.updated or t.removed for t in self.tallies.values())

    def lines(self) -> list[str]:
        """One summary line per model: "Sources: 23 (0 created, 0 updated)"."""
        return [f"{label}: {self.tallies[model]}" for model, label in REPORTED_MODELS]


def load_demo(path: Path | str | None = None, stdout: TextIO | None = None) -> DemoCounts:
    """Create or update the demo data from ``path`` (default: the bundled file), atomically."""
    data = read_demo_file(Path(path) if path else DEFAULT_PATH)
    with transaction.atomic(), entry_path("command:load_demo"):
        counts = _DemoLoader(data).run()
    if stdout is not None:
        # Only after the commit: a failed run writes nothing, so it reports no counts either.
        for line in counts.lines():
            stdout.write(f"{line}\n")
    return counts


def read_demo_file(path: Path) -> dict[str, list[dict[str, Any]]]:
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
        if not isinstance(records, list):
            raise DemoDataError(f"{path}: section {section!r} must be a list of records.")
    return data


# --- Reading one record ---------------------------------------------------------------------


class _Record:
    """One mapping from the file, with the path used in error messages ("claims[x].kind")."""

    def __init__(self, where: str, raw: Any, required: set[str], optional: set[str]) -> None:
        if not isinstance(raw, dict):
            raise DemoDataError(f"{where}: expected a mapping of fields, got {raw!r}.")
        unknown = set(raw) - required - optional
        if unknown:
            raise DemoDataError(
                f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}."
            )
        missing = required - set(raw)
        if missing:
            raise DemoDataError(f"{where}: missing field(s) {', '.join(sorted(missing))}.")
        self.where = where
        self.raw = raw

    def text(self, name: str, default: str = "") -> str:
        """A string field; numbers are accepted as their text (a key like ``30``)."""
        value = self.raw.get(name, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise DemoDataError(f"{self.where}.{name}: expected text, got {value!r}.")
        return str(value).strip()

    def flag(self, name: str) -> bool:
        """A yes/no field, false when absent."""
        value = self.raw.get(name, False)
        if not isinstance(value, bool):
            raise DemoDataError(f"{self.where}.{name}: expected true or false, got {value!r}.")
        return value

    def integer(self, name: str) -> int | None:
        """A whole number, or None when absent."""
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise DemoDataError(f"{self.where}.{name}: expected a whole number, got {value!r}.")
        return value

    def number(self, name: str) -> Decimal | None:
        """A decimal number, or None when absent; str() first so 48.28 stays 48.28."""
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            raise DemoDataError(f"{self.where}.{name}: expected a number, got {value!r}.")
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise DemoDataError(f"{self.where}.{name}: expected a number, got {value!r}.") from None

    def date(self, name: str) -> dt.date | None:
        """A YYYY-MM-DD date, or None when absent."""
        value = self.raw.get(name)
        if value is None or isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise DemoDataError(
                f"{self.where}.{name}: expected a date YYYY-MM-DD (the first day of the period "
                f"for a month, season or year), got {value!r}."
            ) from None

    def texts(self, name: str) -> list[str]:
        """A list of keys or names (``[a, b]``), empty when absent."""
        value = self.raw.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise DemoDataError(f"{self.where}.{name}: expected a list of names, got {value!r}.")
        return [str(v) for v in value]

    def children(self, name: str) -> list[Any]:
        """A list of nested records, empty when absent."""
        value = self.raw.get(name) or []
        if not isinstance(value, list):
            raise DemoDataError(f"{self.where}.{name}: expected a list, got {value!r}.")
        return value


def _records(
    data: dict[str, list], section: str, required: set[str], optional: set[str]
) -> dict[str, _Record]:
    """The records of a section by key, refusing duplicate keys."""
    records: dict[str, _Record] = {}
    for index, raw in enumerate(data[section]):
        key = raw.get("key") if isinstance(raw, dict) else None
        where = f"{section}[{key}]" if key else f"{section}[#{index + 1}]"
        record = _Record(where, raw, required | {"key"}, optional)
        key = record.text("key")
        if key in records:
            raise DemoDataError(f"{where}: the key {key!r} is used twice in {section}.")
        records[key] = record
    return records


def _parents_first(records: dict[str, _Record], parent_field: str) -> list[tuple[str, _Record]]:
    """Records ordered so that each comes after the record its ``parent_field`` names."""
    ordered: list[tuple[str, _Record]] = []
    done: set[str] = set()
    for key in records:
        chain: list[str] = []
        current: str | None = key
        while current is not None and current not in done:
            if current in chain:
                cycle = " → ".join([*chain[chain.index(current) :], current])
                raise DemoDataError(
                    f"{records[key].where}.{parent_field}: the chain of {parent_field} loops "
                    f"({cycle})."
                )
            chain.append(current)
            parent = records[current].text(parent_field) or None
            if parent is not None and parent not in records:
                section = records[current].where.split("[", 1)[0]
                raise DemoDataError(
                    f"{records[current].where}.{parent_field}: unknown {section} key {parent!r}."
                )
            current = parent
        for name in reversed(chain):
            done.add(name)
            ordered.append((name, records[name]))
    return ordered


def _changed(obj: models.Model, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``obj``; True if any differed from what it held."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _claim_period(
    start: dt.date | None, end: dt.date | None, precision: str, ongoing: bool
) -> tuple[dt.date | None, dt.date | None]:
    """The occurrence period as ``Claim.save()`` stores it, so unchanged data compares equal."""
    if start is None:
        return None, end
    start = period_start(start, precision)
    if end is not None:
        return start, period_end(end, precision)
    return start, None if ongoing else period_end(start, precision)


# --- The loader -----------------------------------------------------------------------------


class _DemoLoader:
    """One run over the file: resolves keys to rows and writes only what differs."""

    def __init__(self, data: dict[str, list]) -> None:
        self.data = data
        self.counts = DemoCounts()
        self.topics: dict[str, Topic] = {}
        self.sources: dict[str, Source] = {}
        self.publications: dict[str, Publication] = {}
        self.units: dict[str, Unit] = {}
        self.locations: dict[str, Location] = {}
        self.claims: dict[str, Claim] = {}

    def run(self) -> DemoCounts:
        """Load every section in dependency order."""
        self._load_topics()
        self._load_sources()
        self._load_publications()
        self._load_units()
        self._load_locations()
        self._load_claims()
        if self.counts.changed:
            # Inside the loader's transaction, so the loaded claims are complete on commit.
            # Claims outside the file that cite demo publications follow through the signals;
            # a run that wrote nothing has nothing to recompute (and stays a read-only run).
            refresh_corroboration(claim.pk for claim in self.claims.values())
        return self.counts

    # -- helpers

    def _ref(self, table: dict[str, models.Model], key: str, where: str, what: str):
        """The row a key refers to, or an error naming the record and field."""
        if key not in table:
            raise DemoDataError(f"{where}: unknown {what} key {key!r}.")
        return table[key]

    def _save(self, obj: models.Model, where: str) -> None:
        """Validate and save through the model, turning its refusals into a DemoDataError."""
        try:
            # Field validation and clean() (choices, country codes, URLs, date ranges); unique
            # and check constraints are left to the database, which enforces them anyway.
            obj.full_clean(validate_unique=False, validate_constraints=False)
            # save() is the model's own gate: hierarchies refuse cycles there, dates normalise.
            # Grades and statuses in the file are the analyst's judgements: the file is the
            # rationale, recorded in the history with the change.
            obj._change_reason = "Loaded from the demo data set (devdata/demo_data.yaml)."
            obj.save()
        except ValidationError as exc:
            raise DemoDataError(f"{where}: {_validation_message(exc)}") from exc
        except IntegrityError as exc:
            raise DemoDataError(f"{where}: the database refused it: {exc}") from exc

    def _upsert(
        self,
        model: type[models.Model],
        existing: models.Model | None,
        values: dict[str, Any],
        where: str,
        **create: Any,
    ) -> models.Model:
        """Create the row, or update ``existing`` if any of ``values`` differs; tally either."""
        tally = self.counts[model]
        tally.total += 1
        if existing is None:
            obj = model(**create, **values)
            if model is Claim:
                # Its history row is written once its topics and places are set.
                obj.skip_history_when_saving = True
            self._save(obj, where)
            tally.created += 1
            return obj
        if _changed(existing, values):
            self._save(existing, where)
            tally.updated += 1
        return existing

    def _by_uuid(self, model: type[models.Model], keys: Iterable[str]) -> dict[uuid.UUID, Any]:
        """Existing rows of the demo keys of ``model``, in one query."""
        uuids = [demo_uuid(model, key) for key in keys]
        return {obj.uuid: obj for obj in model.objects.filter(uuid__in=uuids)}

    def _add_aliases(
        self,
        model: type[models.Model],
        owner_field: str,
        owners: dict[str, models.Model],
        records: dict[str, _Record],
    ) -> None:
        """Add the aliases the file names that are missing (extra aliases are kept)."""
        owner_ids = [owner.pk for owner in owners.values()]
        have = set(
            model.objects.filter(**{f"{owner_field}__in": owner_ids}).values_list(
                f"{owner_field}_id", "name"
            )
        )
        for key, record in records.items():
            owner = owners[key]
            for name in dict.fromkeys(record.texts("aliases")):
                self.counts[model].total += 1
                if (owner.pk, name) not in have:
                    self._save(model(name=name, **{owner_field: owner}), f"{record.where}.aliases")
                    self.counts[model].created += 1

    # -- sections

    def _load_topics(self) -> None:
        """Topics: the key is the slug."""
        records = _records(self.data, "topics", {"name"}, {"description"})
        existing = Topic.objects.filter(
            models.Q(slug__in=list(records))
            | models.Q(name__in=[r.text("name") for r in records.values()])
        )
        by_slug = {topic.slug: topic for topic in existing}
        by_name = {topic.name: topic for topic in existing}
        for key, record in records.items():
            values = {
                "slug": key,
                "name": record.text("name"),
                "description": record.text("description"),
            }
            # A topic an analyst created by hand under the same name is taken over, not doubled.
            found = by_slug.get(key) or by_name.get(values["name"])
            self.topics[key] = self._upsert(Topic, found, values, record.where)

    def _load_sources(self) -> None:
        """Sources, parents (affiliations) first, then their aliases."""
        records = _records(
            self.data,
            "sources",
            {"name", "kind"},
            {"country", "reliability", "affiliation", "role", "url", "description", "aliases"},
        )
        by_uuid = self._by_uuid(Source, records)
        # Names are unique: a source entered by hand under a demo name is taken over.
        missing = [
            r.text("name") for k, r in records.items() if demo_uuid(Source, k) not in by_uuid
        ]
        by_name = {s.name: s for s in Source.objects.filter(name__in=missing)} if missing else {}
        for key, record in _parents_first(records, "affiliation"):
            affiliation = record.text("affiliation")
            values = {
                "name": record.text("name"),
                "kind": record.text("kind"),
                "country": record.text("country"),
                "reliability": record.text("reliability", "F"),
                "affiliation_id": self.sources[affiliation].pk if affiliation else None,
                "role": record.text("role"),
                "url": record.text("url"),
                "description": record.text("description"),
            }
            uid = demo_uuid(Source, key)
            found = by_uuid.get(uid) or by_name.get(values["name"])
            self.sources[key] = self._upsert(Source, found, values, record.where, uuid=uid)
        self._add_aliases(SourceAlias, "source", self.sources, records)

    def _load_publications(self) -> None:
        """Publications, the people in them, then the references between them."""
        records = _records(
            self.data,
            "publications",
            {"source", "kind", "title"},
            {
                "published_on",
                "published_precision",
                "url",
                "language",
                "marking",
                "summary",
                "people",
                "references",
            },
        )
        by_uuid = self._by_uuid(Publication, records)
        for key, record in records.items():
            precision = record.text("published_precision", "day")
            published_on = record.date("published_on")
            source = self._ref(
                self.sources, record.text("source"), f"{record.where}.source", "source"
            )
            values = {
                "source_id": source.pk,
                "kind": record.text("kind"),
                "title": record.text("title"),
                # Publication.save() stores the first day of the period; compare like with like.
                "published_on": period_start(published_on, precision) if published_on else None,
                "published_precision": precision,
                "url": record.text("url"),
                "language": record.text("language", "en"),
                "marking": record.text("marking", "clear"),
                "summary": record.text("summary"),
            }
            uid = demo_uuid(Publication, key)
            self.publications[key] = self._upsert(
                Publication, by_uuid.get(uid), values, record.where, uuid=uid
            )
        self._load_publication_people(records)
        self._load_publication_references(records)

    def _load_publication_people(self, records: dict[str, _Record]) -> None:
        """Add the people the file names to each publication (others are kept)."""
        have = set(
            PublicationPerson.objects.filter(
                publication__in=[p.pk for p in self.publications.values()]
            ).values_list("publication_id", "person_id", "role")
        )
        tally = self.counts[PublicationPerson]
        for key, record in records.items():
            publication = self.publications[key]
            for index, raw in enumerate(record.children("people")):
                item = _Record(f"{record.where}.people[{index + 1}]", raw, {"person"}, {"role"})
                person = self._ref(
                    self.sources, item.text("person"), f"{item.where}.person", "source"
                )
                role = item.text("role", PublicationPerson.Role.QUOTED)
                tally.total += 1
                if (publication.pk, person.pk, role) not in have:
                    link = PublicationPerson(publication=publication, person=person, role=role)
                    self._save(link, item.where)
                    have.add((publication.pk, person.pk, role))
                    tally.created += 1

    def _load_publication_references(self, records: dict[str, _Record]) -> None:
        """The citation graph: which publication cites, confirms or reports on which."""
        existing = PublicationReference.objects.filter(
            citing__in=[p.pk for p in self.publications.values()]
        )
        by_uuid = {ref.uuid: ref for ref in existing}
        by_natural = {(ref.citing_id, ref.cited_id, ref.kind): ref for ref in existing}
        for key, record in records.items():
            citing = self.publications[key]
            for index, raw in enumerate(record.children("references")):
                item = _Record(
                    f"{record.where}.references[{index + 1}]",
                    raw,
                    {"cited"},
                    {"kind", "locator", "note"},
                )
                cited_key = item.text("cited")
                cited = self._ref(
                    self.publications, cited_key, f"{item.where}.cited", "publication"
                )
                kind = item.text("kind", PublicationReference.Kind.CITES)
                values = {
                    "citing_id": citing.pk,
                    "cited_id": cited.pk,
                    "kind": kind,
                    "locator": item.text("locator"),
                    "note": item.text("note"),
                }
                uid = demo_uuid(PublicationReference, f"{key}>{cited_key}:{kind}")
                found = by_uuid.get(uid) or by_natural.get((citing.pk, cited.pk, kind))
                self._upsert(PublicationReference, found, values, item.where, uuid=uid)

    def _load_units(self) -> None:
        """Units, parents first (save() refuses cycles), then aliases and honorific titles."""
        records = _records(
            self.data,
            "units",
            {"name", "country", "echelon"},
            {"abbreviation", "branch", "parent", "description", "aliases", "honorifics"},
        )
        by_uuid = self._by_uuid(Unit, records)
        for key, record in _parents_first(records, "parent"):
            parent = record.text("parent")
            values = {
                "name": record.text("name"),
                "abbreviation": record.text("abbreviation"),
                "country": record.text("country"),
                "echelon": record.text("echelon"),
                "branch": record.text("branch"),
                "parent_id": self.units[parent].pk if parent else None,
                "description": record.text("description"),
            }
            uid = demo_uuid(Unit, key)
            found = by_uuid.get(uid) or self._unit_by_name(values)
            self.units[key] = self._upsert(Unit, found, values, record.where, uuid=uid)
        self._add_aliases(UnitAlias, "unit", self.units, records)
        self._load_honorifics(records)

    @staticmethod
    def _unit_by_name(values: dict[str, Any]) -> Unit | None:
        """A unit entered by hand with the demo unit's name and place (its unique key)."""
        return Unit.objects.filter(
            country=values["country"], parent_id=values["parent_id"], name=values["name"]
        ).first()

    def _load_honorifics(self, records: dict[str, _Record]) -> None:
        """Honorific titles, one per (unit, title)."""
        existing = {
            (h.unit_id, h.title): h
            for h in UnitHonorific.objects.filter(unit__in=[u.pk for u in self.units.values()])
        }
        for key, record in records.items():
            unit = self.units[key]
            for index, raw in enumerate(record.children("honorifics")):
                item = _Record(
                    f"{record.where}.honorifics[{index + 1}]",
                    raw,
                    {"title"},
                    {"awarded_on", "awarded_precision", "awarded_by", "note"},
                )
                precision = item.text("awarded_precision", "day")
                awarded_on = item.date("awarded_on")
                values = {
                    "awarded_on": period_start(awarded_on, precision) if awarded_on else None,
                    "awarded_precision": precision,
                    "awarded_by": item.text("awarded_by"),
                    "note": item.text("note"),
                }
                title = item.text("title")
                found = existing.get((unit.pk, title))
                self._upsert(UnitHonorific, found, values, item.where, unit=unit, title=title)

    def _load_locations(self) -> None:
        """Places, parents first (save() refuses cycles), then their aliases."""
        records = _records(
            self.data,
            "locations",
            {"name", "kind"},
            {"parent", "country", "latitude", "longitude", "precision", "description", "aliases"},
        )
        by_uuid = self._by_uuid(Location, records)
        for key, record in _parents_first(records, "parent"):
            parent = record.text("parent")
            values = {
                "name": record.text("name"),
                "kind": record.text("kind"),
                "parent_id": self.locations[parent].pk if parent else None,
                "country": record.text("country"),
                "latitude": record.number("latitude"),
                "longitude": record.number("longitude"),
                "precision": record.text("precision", Location.Precision.SETTLEMENT),
                "description": record.text("description"),
            }
            uid = demo_uuid(Location, key)
            found = by_uuid.get(uid) or (
                Location.objects.filter(parent_id=values["parent_id"], name=values["name"]).first()
            )
            self.locations[key] = self._upsert(Location, found, values, record.where, uuid=uid)
        self._add_aliases(LocationAlias, "location", self.locations, records)

    def _load_claims(self) -> None:
        """Claims with their topics, places and quantities; then evidence, units and relations."""
        records = _records(
            self.data,
            "claims",
            {"title", "statement", "kind"},
            {
                "topics",
                "occurred_start",
                "occurred_end",
                "occurred_precision",
                "ongoing",
                "locations",
                "status",
                "confidence",
                "marking",
                "notes",
                "quantities",
                "citations",
                "units",
                "relations",
            },
        )
        by_uuid = self._by_uuid(Claim, records)
        for key, record in records.items():
            precision = record.text("occurred_precision", "day")
            ongoing = record.flag("ongoing")
            start, end = _claim_period(
                record.date("occurred_start"), record.date("occurred_end"), precision, ongoing
            )
            values = {
                "title": record.text("title"),
                "statement": record.text("statement"),
                "kind": record.text("kind"),
                "occurred_start": start,
                "occurred_end": end,
                "occurred_precision": precision,
                "ongoing": ongoing,
                "status": record.text("status", Claim.Status.UNVERIFIED),
                "confidence": record.text("confidence"),
                "marking": record.text("marking", "clear"),
                "notes": record.text("notes"),
            }
            uid = demo_uuid(Claim, key)
            self.claims[key] = self._upsert(Claim, by_uuid.get(uid), values, record.where, uuid=uid)
        self._sync_links(records, "topics", ClaimTopic, "topic", self.topics)
        self._sync_links(records, "locations", ClaimLocation, "location", self.locations)
        # New claims were saved without their history row (``_save``): one "created" row
        # now, holding their topics and places, rather than a row per step.
        for claim in self.claims.values():
            if getattr(claim, "skip_history_when_saving", False):
                del claim.skip_history_when_saving
                record_creation(claim)
        self._load_quantities(records)
        self._load_citations(records)
        self._load_involvements(records)
        self._load_relations(records)

    def _sync_links(
        self,
        records: dict[str, _Record],
        name: str,
        through: type[models.Model],
        target: str,
        table: dict[str, models.Model],
    ) -> None:
        """Make a claim's many-to-many set (topics, locations) equal the file's, if it differs."""
        current: dict[int, set[int]] = defaultdict(set)
        rows = through.objects.filter(claim_id__in=[c.pk for c in self.claims.values()])
        for claim_id, target_id in rows.values_list("claim_id", f"{target}_id"):
            current[claim_id].add(target_id)
        tally = self.counts[through]
        for key, record in records.items():
            claim = self.claims[key]
            wanted = {
                self._ref(table, item, f"{record.where}.{name}", target).pk
                for item in record.texts(name)
            }
            tally.total += len(wanted)
            have = current[claim.pk]
            if wanted != have:
                # set() adds and removes only the difference; the claim row itself is untouched.
                getattr(claim, name).set(wanted)
                tally.created += len(wanted - have)
                tally.removed += len(have - wanted)

    def _load_quantities(self, records: dict[str, _Record]) -> None:
        """Typed numbers, identified by (claim, measure)."""
        existing: dict[tuple[int, str], Quantity] = {}
        for quantity in Quantity.objects.filter(claim__in=[c.pk for c in self.claims.values()]):
            existing.setdefault((quantity.claim_id, quantity.measure), quantity)
        for key, record in records.items():
            claim = self.claims[key]
            seen: set[str] = set()
            for index, raw in enumerate(record.children("quantities")):
                item = _Record(
                    f"{record.where}.quantities[{index + 1}]",
                    raw,
                    {"measure", "low"},
                    {"high", "unit_of_measure", "approximate", "as_of", "note"},
                )
                measure = item.text("measure")
                if measure in seen:
                    raise DemoDataError(
                        f"{item.where}.measure: {measure!r} appears twice in this claim; "
                        "quantities are told apart by their measure."
                    )
                seen.add(measure)
                values = {
                    "low": item.number("low"),
                    "high": item.number("high"),
                    "unit_of_measure": item.text("unit_of_measure"),
                    "approximate": item.flag("approximate"),
                    "as_of": item.date("as_of"),
                    "note": item.text("note"),
                }
                found = existing.get((claim.pk, measure))
                self._upsert(Quantity, found, values, item.where, claim=claim, measure=measure)

    def _load_citations(self, records: dict[str, _Record]) -> None:
        """The evidence links; a citation's key defaults to its publication's key."""
        by_uuid = {
            c.uuid: c
            for c in Citation.objects.filter(claim__in=[c.pk for c in self.claims.values()])
        }
        for key, record in records.items():
            claim = self.claims[key]
            seen: set[str] = set()
            for index, raw in enumerate(record.children("citations")):
                item = _Record(
                    f"{record.where}.citations[{index + 1}]",
                    raw,
                    {"publication"},
                    {
                        "key",
                        "stance",
                        "excerpt",
                        "excerpt_language",
                        "translation",
                        "locator_page",
                        "locator_paragraph",
                        "locator_footnote",
                        "credibility",
                        "note",
                    },
                )
                publication_key = item.text("publication")
                publication = self._ref(
                    self.publications, publication_key, f"{item.where}.publication", "publication"
                )
                citation_key = item.text("key") or publication_key
                if citation_key in seen:
                    raise DemoDataError(
                        f"{item.where}: a second citation of {publication_key!r} in this claim "
                        "needs a `key` of its own."
                    )
                seen.add(citation_key)
                credibility = item.integer("credibility")
                values = {
                    "claim_id": claim.pk,
                    "publication_id": publication.pk,
                    "stance": item.text("stance", Citation.Stance.SUPPORTS),
                    "excerpt": item.text("excerpt"),
                    "excerpt_language": item.text("excerpt_language"),
                    "translation": item.text("translation"),
                    "locator_page": item.text("locator_page"),
                    "locator_paragraph": item.integer("locator_paragraph"),
                    "locator_footnote": item.text("locator_footnote"),
                    "credibility": 6 if credibility is None else credibility,
                    "note": item.text("note"),
                }
                uid = demo_uuid(Citation, f"{key}/{citation_key}")
                self._upsert(Citation, by_uuid.get(uid), values, item.where, uuid=uid)

    def _load_involvements(self, records: dict[str, _Record]) -> None:
        """Which units a claim involves, in which role, and who attributes it."""
        existing = UnitInvolvement.objects.filter(claim__in=[c.pk for c in self.claims.values()])
        by_uuid = {i.uuid: i for i in existing}
        by_natural = {(i.claim_id, i.unit_id, i.role): i for i in existing}
        for key, record in records.items():
            claim = self.claims[key]
            for index, raw in enumerate(record.children("units")):
                item = _Record(
                    f"{record.where}.units[{index + 1}]",
                    raw,
                    {"unit", "role"},
                    {"attributed_by", "note"},
                )
                unit_key, role = item.text("unit"), item.text("role")
                unit = self._ref(self.units, unit_key, f"{item.where}.unit", "unit")
                attributed_by = item.text("attributed_by")
                values = {
                    "claim_id": claim.pk,
                    "unit_id": unit.pk,
                    "role": role,
                    "attributed_by_id": (
                        self._ref(
                            self.sources, attributed_by, f"{item.where}.attributed_by", "source"
                        ).pk
                        if attributed_by
                        else None
                    ),
                    "note": item.text("note"),
                }
                uid = demo_uuid(UnitInvolvement, f"{key}:{unit_key}:{role}")
                found = by_uuid.get(uid) or by_natural.get((claim.pk, unit.pk, role))
                self._upsert(UnitInvolvement, found, values, item.where, uuid=uid)

    def _load_relations(self, records: dict[str, _Record]) -> None:
        """How claims bear on each other; after all claims exist, since they point forward."""
        existing = ClaimRelation.objects.filter(from_claim__in=[c.pk for c in self.claims.values()])
        by_uuid = {r.uuid: r for r in existing}
        by_natural = {(r.from_claim_id, r.to_claim_id, r.kind): r for r in existing}
        for key, record in records.items():
            claim = self.claims[key]
            for index, raw in enumerate(record.children("relations")):
                item = _Record(
                    f"{record.where}.relations[{index + 1}]", raw, {"to", "kind"}, {"note"}
                )
                to_key, kind = item.text("to"), item.text("kind")
                target = self._ref(self.claims, to_key, f"{item.where}.to", "claim")
                values = {
                    "from_claim_id": claim.pk,
                    "to_claim_id": target.pk,
                    "kind": kind,
                    "note": item.text("note"),
                }
                uid = demo_uuid(ClaimRelation, f"{key}>{to_key}:{kind}")
                found = by_uuid.get(uid) or by_natural.get((claim.pk, target.pk, kind))
                self._upsert(ClaimRelation, found, values, item.where, uuid=uid)


def _validation_message(exc: ValidationError) -> str:
    """A ValidationError as one line: "kind: Value 'x' is not a valid choice."."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)
