"""Import of an exchange document: validate every record, then write all or nothing.

The import runs inside one transaction, first without savepoints (the fast pass); if any
record fails, that pass is rolled back and the import runs again with each record inside its
own savepoint (the careful pass, whose report is the one returned): a record is
checked (known fields, scalar types, references that resolve inside the document or the
database, the model's ``full_clean`` with its uniqueness and check constraints, and the
model's own ``save()`` rules such as ORBAT cycles) and written; a record that fails is rolled
back to its savepoint and its errors are collected, so one run reports *every* error with its
record and field. At the end the whole transaction is rolled back if there was any error or
the run is a dry run; otherwise it commits. A dry run therefore reports exactly what a real
run would create, update or leave unchanged.

Records are matched on their ``uuid`` (topics on their ``slug``). A record whose fields equal
the stored row is not saved at all: importing the same document twice writes nothing and adds
no history. Created records keep the document's created/updated stamps and version; every
saved record gets a history row with the entry path and the reason "Imported from <name>",
which is also the reason judgement fields (status, confidence, reliability, credibility)
require.

What a record owns is brought in line with the document (aliases, honorific titles,
quantities, people of a publication, topics, places, sharing); citations, unit involvements,
relations and references named in the document are created or updated by uuid, and those it
does not name are left alone: an import never deletes evidence.
"""

import contextlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils.dateparse import parse_datetime

from claims.models import Citation, Claim, ClaimRelation, Quantity, Topic, UnitInvolvement
from claims.services import refresh_corroboration
from core.history import entry_path, links_not_read, record_creation
from core.markings import may_see_marking, restrict_marked
from places.models import Location, LocationAlias
from sources.models import (
    EvidenceFile,
    Publication,
    PublicationPerson,
    PublicationReference,
    Source,
    SourceAlias,
)
from units.models import Unit, UnitAlias, UnitHonorific

from . import FORMAT_NAME, FORMAT_VERSION
from .document import (
    ARCHIVE_FIELDS,
    CITATION_FIELDS,
    CLAIM_DERIVED_FIELDS,
    CLAIM_FIELDS,
    FILE_FIELDS,
    FILE_FIELDS_EDITABLE,
    HONORIFIC_FIELDS,
    INVOLVEMENT_FIELDS,
    LOCATION_FIELDS,
    PUBLICATION_FIELDS,
    QUANTITY_FIELDS,
    REFERENCE_FIELDS,
    RELATION_FIELDS,
    SECTIONS,
    SOURCE_FIELDS,
    STAMP_FIELDS,
    TOPIC_FIELDS,
    UNIT_FIELDS,
)

# Authors the importer creates must have names an account could have.
_USERNAME = UnicodeUsernameValidator()

HEADER_FIELDS = {"format", "version", "exported_at", "files_embedded"}

# The kinds counted in a report, in the order they are written.
KINDS = (
    "topics",
    "locations",
    "sources",
    "units",
    "publications",
    "references",
    "files",
    "claims",
    "citations",
    "involvements",
    "relations",
)

ProgressCallback = Callable[[int, int], None]

# Links that are hidden with the marked records they join (``core.markings.restrict_marked``).
MARKED_VIA: dict[type[models.Model], tuple[str, ...]] = {
    UnitInvolvement: ("claim",),
    ClaimRelation: ("from_claim", "to_claim"),
    PublicationReference: ("citing", "cited"),
}


# What each kind of record owns: the rows ``_load_stored_owned`` reads, by owning field.
OWNED: dict[type[models.Model], tuple[tuple[type[models.Model], str], ...]] = {
    Location: ((LocationAlias, "location"),),
    Source: ((SourceAlias, "source"),),
    Unit: ((UnitAlias, "unit"), (UnitHonorific, "unit")),
    Publication: ((PublicationPerson, "publication"),),
    Claim: ((Quantity, "claim"),),
}


def _chunks(values: list, size: int = 5000) -> Iterable[list]:
    """``values`` in slices small enough for one ``IN (...)``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class RecordError:
    """One problem: the section, the record's position and uuid, the field and the message."""

    kind: str
    index: int | None
    uuid: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.kind if self.index is None else f"{self.kind}[{self.index}]"
        who = f" ({self.uuid})" if self.uuid else ""
        return f"{where}{who} {self.field}: {self.message}"


@dataclass
class Tally:
    """What an import did (or would do) to the records of one kind."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """The outcome of one import: counts per kind, every error, and whether it was written."""

    dry_run: bool
    counts: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    errors: list[RecordError] = field(default_factory=list)
    # Per top-level record: (section, index, "created" | "updated" | "unchanged", the row);
    # kept only when asked (the admin lists them), so a large import holds no rows.
    keep_outcomes: bool = False
    outcomes: list[tuple[str, int, str, models.Model]] = field(default_factory=list)

    @property
    def written(self) -> bool:
        """True if the import was committed (no errors, not a dry run)."""
        return not self.dry_run and not self.errors

    @property
    def changed(self) -> int:
        return sum(tally.created + tally.updated for tally in self.counts.values())

    def lines(self) -> list[str]:
        """One summary line per kind: "claims: 3 created, 1 updated, 20 unchanged"."""
        return [
            f"{kind}: {tally.created} created, {tally.updated} updated, {tally.unchanged} unchanged"
            for kind, tally in self.counts.items()
        ]

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON (the API's answer); outcomes are left out."""
        return {
            "dry_run": self.dry_run,
            "written": self.written,
            "counts": {kind: asdict(tally) for kind, tally in self.counts.items()},
            "errors": [asdict(error) for error in self.errors],
        }


class _TryCarefully(Exception):
    """A record failed during the fast pass: run the import again record by record."""


class _RecordFailed(Exception):
    """Raised inside a record's savepoint once its errors are collected."""


class _Where:
    """The record being imported, for error messages."""

    def __init__(self, kind: str, index: int | None, key: str | None, prefix: str = "") -> None:
        self.kind, self.index, self.key, self.prefix = kind, index, key, prefix

    def nested(self, name: str, position: int) -> "_Where":
        return _Where(self.kind, self.index, self.key, f"{self.prefix}{name}[{position}].")

    def error(self, name: str, message: str) -> RecordError:
        return RecordError(self.kind, self.index, self.key, f"{self.prefix}{name}", message)


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def _full_clean(
    obj: models.Model, resolved: Iterable[str], stored: dict[str, Any] | None = None
) -> None:
    """``obj.full_clean()`` (the same checks, errors and order) except two lookups the import
    has already made: the uuid (the record was matched on it) and the existence of each
    reference in ``resolved``, found in the document or the database (``_ref``). That was one
    query per reference: six for a claim with three citations. Uniqueness and constraints that
    involve them are still checked.

    ``stored``: the concrete fields of the stored row. If the fields, once typed and
    normalised as ``save()`` stores them, equal it, the rest is not checked: the record will
    not be saved, and its checks cost queries (uniqueness, ORBAT cycles) an unchanged import
    would run for every record."""
    exclude = {"uuid"}
    errors: dict = {}
    try:
        obj.clean_fields(exclude=exclude | set(resolved))
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if not errors and stored is not None and _as_stored(obj) == stored:
        return
    try:
        obj.clean()
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    # As full_clean: uniqueness and constraints only for the fields that passed.
    exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
    for validate in (obj.validate_unique, obj.validate_constraints):
        try:
            validate(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _as_stored(obj: models.Model) -> dict[str, Any]:
    """The concrete fields of ``obj`` as ``save()`` would store them."""
    if hasattr(obj, "normalise_dates"):
        obj.normalise_dates()
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


class Importer:
    """One import run over a parsed document (see the module docstring)."""

    def __init__(
        self,
        data: dict[str, Any],
        *,
        reason: str,
        user=None,
        progress: ProgressCallback | None = None,
        careful: bool = True,
    ) -> None:
        self.data = data
        # Careful: each record in a savepoint, so that one failing in the database leaves the
        # others to be checked and every error is reported. Not careful (the fast pass): no
        # savepoints, and the first error of any kind stops the run (``_TryCarefully``).
        self.careful = careful
        self.reason = reason
        self.user = user
        self.progress = progress
        self.report = ImportReport(dry_run=False)
        self.errors = self.report.errors
        self.failed: set[str] = set()
        self.usernames = dict(get_user_model().objects.values_list("username", "pk"))
        self.group_names = dict(Group.objects.values_list("name", "pk"))
        # uuid -> pk of the rows written or found so far, per model.
        self.known: dict[type[models.Model], dict[uuid.UUID, int]] = {}
        self.topics: dict[str, int] = {}
        self.topic_rows: dict[str, Topic] = {}
        # The stored rows the document names, and what they own, read once per table by
        # ``_load_known``: comparing a record with its stored self then costs no query, so an
        # import of unchanged records reads each table once instead of once per record.
        self.rows: dict[type[models.Model], dict[int, models.Model]] = {}
        self.stored_links: dict[tuple[type[models.Model], str], dict[int, set[int]]] = {}
        self.stored_owned: dict[type[models.Model], dict[int, list[models.Model]]] = {}
        self.claim_pks: set[int] = set()
        # pks of the rows this run created, per model.
        self.created: dict[type[models.Model], set[int]] = {}
        self.done = 0
        self.total = sum(len(self.section(name)) for name in SECTIONS)
        # Marked rows that exist but the importing user may not see, per model.
        self.hidden: dict[type[models.Model], set[uuid.UUID]] = {}
        # Error counts when each open savepoint started (see ``_guarded`` and ``_check``).
        self.marks: list[int] = []

    # -- the document ----------------------------------------------------------------------

    def section(self, name: str) -> list:
        records = self.data.get(name) or []
        return records if isinstance(records, list) else []

    def check_header(self) -> None:
        """The format, version and section shapes; problems are errors of the "document"."""
        where = _Where("document", None, None)
        if self.data.get("format") != FORMAT_NAME:
            self.errors.append(where.error("format", f"Expected {FORMAT_NAME!r}."))
        if self.data.get("version") != FORMAT_VERSION:
            self.errors.append(
                where.error("version", f"Version {FORMAT_VERSION} is the one this app reads.")
            )
        for name in sorted(set(self.data) - HEADER_FIELDS - set(SECTIONS)):
            self.errors.append(where.error(str(name), "Unknown section."))
        for name in SECTIONS:
            if name in self.data and not isinstance(self.data[name], list):
                self.errors.append(where.error(name, "Expected a list of records."))
        for name in SECTIONS:
            key_field = "slug" if name == "topics" else "uuid"
            seen: set[str] = set()
            for index, record in enumerate(self.section(name)):
                key = str(record.get(key_field)) if isinstance(record, dict) else None
                if key in seen:
                    self.errors.append(
                        _Where(name, index, key).error(key_field, "Appears twice in the file.")
                    )
                seen.add(key)

    # -- running ---------------------------------------------------------------------------

    def run(self) -> ImportReport:
        """Import every section in dependency order (call inside a transaction)."""
        self.check_header()
        if self.errors:
            return self.report
        self._load_known()
        self._import_topics()
        self._import_tree("locations", Location, "parent", self._location)
        self._import_tree("sources", Source, "affiliation", self._source)
        self._import_tree("units", Unit, "parent", self._unit)
        publications = self._import_flat("publications", Publication, self._publication)
        self._import_publication_links(publications)
        claims = self._import_flat("claims", Claim, self._claim)
        self._import_relations(claims)
        if not self.errors and self.claim_pks and self.report.changed:
            # Stored grades and lines must be current when the transaction commits; the
            # signals recompute too, this makes it certain for a dry run's "what would be".
            refresh_corroboration(self.claim_pks)
        return self.report

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _load_known(self) -> None:
        """uuid -> pk of every existing row the document names or refers to, by model."""
        wanted: dict[type[models.Model], set[uuid.UUID]] = {}

        def want(model: type[models.Model], value: Any) -> None:
            parsed = _parse_uuid(value)
            if parsed is not None:
                wanted.setdefault(model, set()).add(parsed)

        for record in self._dicts("locations"):
            want(Location, record.get("uuid"))
            want(Location, record.get("parent"))
        for record in self._dicts("sources"):
            want(Source, record.get("uuid"))
            want(Source, record.get("affiliation"))
        for record in self._dicts("units"):
            want(Unit, record.get("uuid"))
            want(Unit, record.get("parent"))
        for record in self._dicts("publications"):
            want(Publication, record.get("uuid"))
            want(Source, record.get("source"))
            for person in self._nested(record, "people"):
                want(Source, person.get("person"))
            for reference in self._nested(record, "references"):
                want(PublicationReference, reference.get("uuid"))
                want(Publication, reference.get("cited"))
            for evidence in self._nested(record, "files"):
                want(EvidenceFile, evidence.get("uuid"))
                want(EvidenceFile, evidence.get("replaces"))
        for record in self._dicts("claims"):
            want(Claim, record.get("uuid"))
            for value in record.get("locations") or []:
                want(Location, value)
            for citation in self._nested(record, "citations"):
                want(Citation, citation.get("uuid"))
                want(Publication, citation.get("publication"))
            for involvement in self._nested(record, "involvements"):
                want(UnitInvolvement, involvement.get("uuid"))
                want(Unit, involvement.get("unit"))
                want(Source, involvement.get("attributed_by"))
            for relation in self._nested(record, "relations"):
                want(ClaimRelation, relation.get("uuid"))
                want(Claim, relation.get("to_claim"))
        for model, uuids in wanted.items():
            self.known[model] = self._existing(model, uuids)
        self.topic_rows = {topic.slug: topic for topic in Topic.objects.all()}
        self.topics = {slug: topic.pk for slug, topic in self.topic_rows.items()}
        self._load_stored_owned()

    def _load_stored_owned(self) -> None:
        """The links and owned rows of the stored records the document names, per table."""
        named = {
            Location: "locations",
            Source: "sources",
            Unit: "units",
            Publication: "publications",
            Claim: "claims",
        }
        for model, section in named.items():
            given = {_parse_uuid(r.get("uuid")) for r in self._dicts(section)}
            pks = [pk for key, pk in self.known.get(model, {}).items() if key in given]
            if not pks:
                continue
            for link in model._meta.many_to_many:
                through = link.remote_field.through
                if not through._meta.auto_created:
                    continue  # links with rows of their own (people, references) are owned
                source = link.m2m_field_name()
                target = link.m2m_reverse_field_name()
                stored = self.stored_links.setdefault((model, link.name), {})
                for chunk in _chunks(pks):
                    rows = through.objects.filter(**{f"{source}_id__in": chunk})
                    for owner, linked in rows.values_list(f"{source}_id", f"{target}_id"):
                        stored.setdefault(owner, set()).add(linked)
            for owned, fk in OWNED.get(model, ()):
                stored_rows = self.stored_owned.setdefault(owned, {})
                for chunk in _chunks(pks):
                    for row in owned.objects.filter(**{f"{fk}_id__in": chunk}).order_by("pk"):
                        stored_rows.setdefault(getattr(row, f"{fk}_id"), []).append(row)

    def _stored(self, model: type[models.Model], owner: models.Model) -> list[models.Model]:
        """The stored rows of ``model`` that ``owner`` owns (none if this run created it)."""
        return list(self.stored_owned.get(model, {}).get(owner.pk, []))

    def _existing(self, model: type[models.Model], uuids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Existing rows among ``uuids``; for a user, marked rows they may not see count as
        missing references and may not be overwritten (``self.hidden``)."""
        found: dict[uuid.UUID, int] = {}
        rows = self.rows.setdefault(model, {})
        for chunk in _chunks(sorted(uuids)):
            for row in model.objects.filter(uuid__in=chunk):
                found[row.uuid] = row.pk
                rows[row.pk] = row
        if self.user is None or not found:
            return found
        if model in (Claim, Publication, Citation, EvidenceFile):
            visible = set()
            for archived in (False, True):
                visible |= set(
                    model.objects.visible_to(self.user, archived=archived)
                    .filter(pk__in=found.values())
                    .values_list("pk", flat=True)
                )
        elif model in MARKED_VIA:
            # A link of a hidden claim or publication is hidden with it.
            rows = model.objects.filter(pk__in=found.values())
            for path in MARKED_VIA[model]:
                rows = restrict_marked(rows, self.user, path)
            visible = set(rows.values_list("pk", flat=True))
        else:
            return found
        hidden = {key for key, pk in found.items() if pk not in visible}
        self.hidden.setdefault(model, set()).update(hidden)
        return {key: pk for key, pk in found.items() if key not in hidden}

    def _dicts(self, name: str) -> Iterable[dict]:
        return (record for record in self.section(name) if isinstance(record, dict))

    @staticmethod
    def _nested(record: dict, name: str) -> list[dict]:
        values = record.get(name) or []
        if not isinstance(values, list):
            return []
        return [value for value in values if isinstance(value, dict)]

    # -- generic record handling ------------------------------------------------------------

    def _guarded(self, where: _Where, work: Callable[[], str | None]) -> str | None:
        """Run ``work`` (one record) in a savepoint; collect its errors instead of raising.
        In the fast pass (not ``careful``): no savepoint, and a failure stops the pass."""
        before = len(self.errors)
        self.marks.append(before)
        try:
            with transaction.atomic() if self.careful else contextlib.nullcontext():
                outcome = work()
                if len(self.errors) > before:
                    raise _RecordFailed
                return outcome
        except _RecordFailed:
            pass
        except ValidationError as exc:
            for name, messages in _messages(exc).items():
                for message in messages:
                    self.errors.append(where.error(name, message))
        except (IntegrityError, DatabaseError) as exc:
            self.errors.append(where.error("__all__", f"The database refused it: {exc}"))
        finally:
            self.marks.pop()
        if not self.careful:
            raise _TryCarefully
        if where.key:
            self.failed.add(where.key)
        if len(self.errors) == before:  # a nested failure already reported
            self.errors.append(where.error("__all__", "Not imported."))
        return None

    def _check_keys(self, where: _Where, record: Any, allowed: Iterable[str]) -> bool:
        if not isinstance(record, dict):
            self.errors.append(where.error("__all__", "Expected an object."))
            return False
        for name in sorted(set(record) - set(allowed)):
            self.errors.append(where.error(str(name), "Unknown field."))
        return True

    def _ref(
        self, where: _Where, model: type[models.Model], value: Any, name: str, required: bool
    ) -> int | None:
        """The pk of the record ``value`` (a uuid) names, in the document or the database."""
        if value in (None, ""):
            if required:
                self.errors.append(where.error(name, "This field is required."))
            return None
        parsed = _parse_uuid(value)
        if parsed is None:
            self.errors.append(where.error(name, f"“{value}” is not a valid UUID."))
            return None
        pk = self.known.get(model, {}).get(parsed)
        if pk is None:
            label = model._meta.verbose_name
            if str(parsed) in self.failed:
                message = f"Refers to {label} {parsed}, which has errors itself."
            else:
                message = f"No {label} with uuid {parsed} in the file or the database."
            self.errors.append(where.error(name, message))
        return pk

    def _assign(self, where: _Where, obj: models.Model, record: dict, names: Iterable[str]) -> None:
        """Set the plain fields ``record`` gives (missing ones keep their current value)."""
        for name in names:
            if name not in record:
                continue
            value = record[name]
            if isinstance(value, dict | list):
                self.errors.append(where.error(name, "Expected a single value."))
                continue
            if value is None and not obj._meta.get_field(name).null:
                # Text fields are "" rather than null: a hand-written null means empty.
                value = ""
            setattr(obj, name, value)

    def _user(self, value: Any) -> int | None:
        """The author a document names, by username. An author unknown here is created as an
        inactive account without a password or role, so the record keeps who made it (a
        round trip into an empty database loses no authorship) and nobody can log in as
        them until an administrator gives the account a password and a role. A name that is
        not a valid username is kept out (None)."""
        if value in (None, ""):
            return None
        name = str(value)
        if name not in self.usernames:
            try:
                _USERNAME(name)
            except ValidationError:
                return None
            if len(name) > get_user_model()._meta.get_field("username").max_length:
                return None
            author = get_user_model()(username=name, is_active=False)
            author.set_unusable_password()
            author.save()
            self.usernames[name] = author.pk
        return self.usernames[name]

    def _upsert(
        self,
        where: _Where,
        model: type[models.Model],
        record: dict,
        fields: Iterable[str],
        refs: dict[str, int | None],
        kind: str,
        owned: Callable[[models.Model], bool] | None = None,
    ) -> models.Model:
        """Create or update one row by uuid; returns it. ``owned`` syncs what the record owns
        (after the row is saved) and says whether anything changed."""
        key = _parse_uuid(record.get("uuid"))
        if key is None:
            self.errors.append(where.error("uuid", "A valid UUID is required."))
            raise _RecordFailed
        if key in self.hidden.get(model, set()):
            self.errors.append(where.error("uuid", "This record exists and is not yours to see."))
            raise _RecordFailed
        pk = self.known.setdefault(model, {}).get(key)
        if pk is None:
            obj = model(uuid=key)
        else:
            obj = self.rows.get(model, {}).pop(pk, None) or model.objects.get(pk=pk)
        adding = pk is None
        concrete = [f.attname for f in model._meta.concrete_fields]
        before = {name: getattr(obj, name) for name in concrete}
        self._assign(where, obj, record, fields)
        for name, value in refs.items():
            setattr(obj, f"{name}_id", value)
        if hasattr(obj, "archived_at"):
            self._assign(where, obj, record, ["archived_at"])
            if "archived_by" in record:
                obj.archived_by_id = self._user(record["archived_by"])
        try:
            _full_clean(
                obj,
                resolved=[name for name, pk in refs.items() if pk is not None],
                stored=None if adding else before,
            )
        except ValidationError as exc:
            # A field already reported (an unknown reference) is not reported twice.
            reported = {error.field for error in self.errors[self.marks[-1] :]}
            for name, messages in _messages(exc).items():
                for message in messages:
                    error = where.error(name, message)
                    if error.field not in reported:
                        self.errors.append(error)
        self._check()
        changed = adding or _as_stored(obj) != before
        links = [field.name for field in model._meta.many_to_many]
        # A new record with links gets its "created" history row once ``owned`` has set them:
        # one row holding its topics and places, where saving first wrote a "created" row and
        # then a "changed" row per many-to-many field.
        deferred = adding and owned is not None and bool(links)
        if changed:
            obj._change_reason = self.reason
            if hasattr(obj, "stamp"):
                obj.stamp(self.user)
            if deferred:
                obj.skip_history_when_saving = True
            # A new record has no links yet (``owned`` sets them after the save): its
            # "created" history row need not read its link tables back.
            with links_not_read(obj, links if adding else []):
                obj.save()
            self.known[model][key] = obj.pk
            if adding:
                self.created.setdefault(model, set()).add(obj.pk)
                self._restore_stamps(where, obj, record)
        owned_changed = owned(obj) if owned is not None else False
        if deferred:
            del obj.skip_history_when_saving
            obj._change_reason = self.reason
            # Links the record does not give stay empty: nothing to read back for those.
            record_creation(obj, unset=[name for name in links if not record.get(name)])
        tally = self.report.counts[kind]
        if adding:
            outcome, tally.created = "created", tally.created + 1
        elif changed or owned_changed:
            outcome, tally.updated = "updated", tally.updated + 1
        else:
            outcome, tally.unchanged = "unchanged", tally.unchanged + 1
        if self.report.keep_outcomes and not where.prefix and where.index is not None:
            self.report.outcomes.append((where.kind, where.index, outcome, obj))
        return obj

    def _check(self) -> None:
        """Stop the record being imported if it has errors so far."""
        if self.marks and len(self.errors) > self.marks[-1]:
            raise _RecordFailed

    def _restore_stamps(self, where: _Where, obj: models.Model, record: dict) -> None:
        """A created record keeps the stamps it had where it was exported."""
        values: dict[str, Any] = {}
        for name in ("created_at", "updated_at"):
            if record.get(name):
                parsed = parse_datetime(str(record[name]))
                if parsed is None:
                    self.errors.append(where.error(name, "Expected an ISO 8601 date and time."))
                    raise _RecordFailed
                values[name] = parsed
        for name in ("created_by", "updated_by"):
            # Named or null, the document's author stands: a record exported without one
            # (written by a loader) is not credited to whoever imports it.
            if name in record:
                values[f"{name}_id"] = self._user(record[name])
        version = record.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > 0:
            values["version"] = version
        if values:
            # update(): bookkeeping only, so no second history row and no version bump.
            type(obj).objects.filter(pk=obj.pk).update(**values)

    def _names(self, where: _Where, record: dict, name: str, table: dict[str, int]) -> set[int]:
        values = record.get(name) or []
        if not isinstance(values, list):
            self.errors.append(where.error(name, "Expected a list of names."))
            return set()
        ids = set()
        for value in values:
            if str(value) not in table:
                self.errors.append(
                    where.error(name, f"No {name[:-1].replace('_', ' ')} “{value}”.")
                )
            else:
                ids.add(table[str(value)])
        return ids

    def _created(self, obj: models.Model) -> bool:
        """Whether this run created ``obj`` (it has no links or owned rows yet to read)."""
        return obj.pk in self.created.get(type(obj), ())

    def _sync_m2m(self, manager, wanted: set[int]) -> bool:
        if self._created(manager.instance):
            manager.add(*wanted)
            return bool(wanted)
        stored = self.stored_links.get((type(manager.instance), manager.prefetch_cache_name))
        if stored is not None and manager.instance.pk in stored:
            have = stored[manager.instance.pk]
        elif stored is not None:
            have = set()  # read with the others: it had no links
        else:
            have = set(manager.values_list("pk", flat=True))
        if have == wanted:
            return False
        manager.set(wanted)
        return True

    def _sync_aliases(
        self, where: _Where, owner: models.Model, model: type[models.Model], fk: str, record: dict
    ) -> bool:
        if "aliases" not in record:
            return False
        names = record.get("aliases")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.errors.append(where.error("aliases", "Expected a list of names."))
            raise _RecordFailed
        have = {alias.name: alias for alias in self._stored(model, owner)}
        wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
        changed = False
        for name, alias in have.items():
            if name not in wanted:
                alias._change_reason = self.reason
                alias.delete()
                changed = True
        for name in wanted:
            if name not in have:
                alias = model(name=name, **{fk: owner})
                alias.full_clean()
                alias._change_reason = self.reason
                alias.save()
                changed = True
        return changed

    def _marking_allowed(self, where: _Where, obj: models.Model, groups: set[int], users: set[int]):
        """A user may not import a record marked so that they could not see it themselves."""
        if self.user is not None and not may_see_marking(self.user, obj.marking, groups, users):
            self.errors.append(
                where.error(
                    "marking",
                    "With this marking and sharing you could not see the record yourself.",
                )
            )
            raise _RecordFailed

    # -- sections ---------------------------------------------------------------------------

    def _import_topics(self) -> None:
        for index, record in enumerate(self.section("topics")):
            where = _Where(
                "topics", index, str(record.get("slug")) if isinstance(record, dict) else None
            )
            self._guarded(where, lambda record=record, where=where: self._topic(where, record))
            self._tick()

    def _topic(self, where: _Where, record: Any) -> None:
        if not self._check_keys(where, record, TOPIC_FIELDS):
            raise _RecordFailed
        slug = record.get("slug")
        if not slug or not isinstance(slug, str):
            self.errors.append(where.error("slug", "This field is required."))
            raise _RecordFailed
        pk = self.topics.get(slug)
        topic = self.topic_rows[slug] if pk else Topic(slug=slug)
        before = (topic.name, topic.description)
        self._assign(where, topic, record, ("name", "description"))
        self._check()
        tally = self.report.counts["topics"]
        if pk is None or (topic.name, topic.description) != before:
            # Only what is written is checked (its uniqueness costs two queries).
            topic.full_clean()
            topic._change_reason = self.reason
            topic.save()
            self.topics[slug] = topic.pk
            if pk is None:
                tally.created += 1
            else:
                tally.updated += 1
        else:
            tally.unchanged += 1

    def _import_tree(
        self,
        section: str,
        model: type[models.Model],
        parent_field: str,
        handler: Callable[[_Where, dict], None],
    ) -> None:
        """A hierarchy: parents in the document before their children; cycles are errors."""
        records = list(enumerate(self.section(section)))
        by_key = {
            str(record.get("uuid")): (index, record)
            for index, record in records
            if isinstance(record, dict)
        }
        ordered: list[tuple[int, Any]] = []
        state: dict[str, str] = {}

        def visit(key: str, chain: list[str]) -> None:
            if state.get(key) == "done":
                return
            index, record = by_key[key]
            if state.get(key) == "visiting":
                cycle = " → ".join([*chain[chain.index(key) :], key])
                self.errors.append(
                    _Where(section, index, key).error(parent_field, f"Makes a cycle: {cycle}.")
                )
                self.failed.update(chain[chain.index(key) :])
                return
            state[key] = "visiting"
            parent = str(record.get(parent_field))
            if parent in by_key:
                visit(parent, [*chain, key])
            state[key] = "done"
            ordered.append((index, record))

        for index, record in records:
            if not isinstance(record, dict):
                ordered.append((index, record))
            else:
                visit(str(record.get("uuid")), [])
        for index, record in ordered:
            key = str(record.get("uuid")) if isinstance(record, dict) else None
            where = _Where(section, index, key)
            if key in self.failed:
                self._tick()
                continue
            self._guarded(where, lambda record=record, where=where: handler(where, record))
            self._tick()

    def _import_flat(
        self, section: str, model: type[models.Model], handler: Callable[[_Where, dict], Any]
    ) -> list[tuple[_Where, dict, models.Model]]:
        done = []
        for index, record in enumerate(self.section(section)):
            key = str(record.get("uuid")) if isinstance(record, dict) else None
            where = _Where(section, index, key)
            obj = self._guarded(where, lambda record=record, where=where: handler(where, record))
            if obj is not None:
                done.append((where, record, obj))
            self._tick()
        return done

    def _stamp_fields(self, model: type[models.Model]) -> tuple[str, ...]:
        extra = ARCHIVE_FIELDS if hasattr(model, "archived_at") else ()
        return ("uuid", *STAMP_FIELDS, *extra)

    def _location(self, where: _Where, record: Any) -> None:
        allowed = (*LOCATION_FIELDS, "parent", "aliases", *self._stamp_fields(Location))
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        refs = {}
        if "parent" in record:
            refs["parent"] = self._ref(where, Location, record["parent"], "parent", False)
        self._upsert(
            where,
            Location,
            record,
            LOCATION_FIELDS,
            refs,
            "locations",
            owned=lambda obj: self._sync_aliases(where, obj, LocationAlias, "location", record),
        )

    def _source(self, where: _Where, record: Any) -> None:
        allowed = (*SOURCE_FIELDS, "affiliation", "aliases", *self._stamp_fields(Source))
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        refs = {}
        if "affiliation" in record:
            refs["affiliation"] = self._ref(
                where, Source, record["affiliation"], "affiliation", False
            )
        self._upsert(
            where,
            Source,
            record,
            SOURCE_FIELDS,
            refs,
            "sources",
            owned=lambda obj: self._sync_aliases(where, obj, SourceAlias, "source", record),
        )

    def _unit(self, where: _Where, record: Any) -> None:
        allowed = (*UNIT_FIELDS, "parent", "aliases", "honorifics", *self._stamp_fields(Unit))
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        refs = {}
        if "parent" in record:
            refs["parent"] = self._ref(where, Unit, record["parent"], "parent", False)
        self._check()

        def owned(unit: Unit) -> bool:
            changed = self._sync_aliases(where, unit, UnitAlias, "unit", record)
            return self._sync_honorifics(where, unit, record) or changed

        self._upsert(where, Unit, record, UNIT_FIELDS, refs, "units", owned=owned)

    def _sync_values(
        self,
        where: _Where,
        record: dict,
        name: str,
        model: type[models.Model],
        fields: tuple[str, ...],
        existing: list[models.Model],
        parent: dict[str, models.Model],
    ) -> bool:
        """Replace a list of owned rows without identity (quantities, honorifics) when the
        document's list differs from the stored one."""
        if name not in record:
            return False
        values = record.get(name)
        if not isinstance(values, list):
            self.errors.append(where.error(name, "Expected a list."))
            raise _RecordFailed
        wanted: list[tuple[_Where, models.Model]] = []
        for position, value in enumerate(values):
            inner = where.nested(name, position)
            if not self._check_keys(inner, value, fields):
                continue
            obj = model(**parent)
            self._assign(inner, obj, value, fields)
            try:
                # Unique constraints are the database's: the stored rows are about to go.
                # Check constraints are checked below, only if the rows are to be written.
                obj.full_clean(
                    exclude=list(parent), validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                for field_name, messages in _messages(exc).items():
                    self.errors.extend(inner.error(field_name, m) for m in messages)
                continue
            wanted.append((inner, obj))
        self._check()

        def row(obj: models.Model) -> tuple:
            # Compare what the database would store (dates at their period start).
            if hasattr(obj, "awarded_on") and obj.awarded_on:
                from core.dates import period_start

                obj.awarded_on = period_start(obj.awarded_on, obj.awarded_precision)
            return tuple(getattr(obj, f) for f in fields)

        if [row(obj) for _inner, obj in wanted] == [row(obj) for obj in existing]:
            return False
        if model is Quantity:
            # A query (and a savepoint) per row on PostgreSQL: not for rows left as they were.
            for inner, obj in wanted:
                try:
                    obj.validate_constraints(exclude=list(parent))
                except ValidationError as exc:
                    for field_name, messages in _messages(exc).items():
                        self.errors.extend(inner.error(field_name, m) for m in messages)
            self._check()
        for obj in existing:
            obj._change_reason = self.reason
            obj.delete()
        for _inner, obj in wanted:
            obj._change_reason = self.reason
            obj.save()
        return True

    def _sync_honorifics(self, where: _Where, unit: Unit, record: dict) -> bool:
        existing = sorted(self._stored(UnitHonorific, unit), key=lambda h: h.title)
        if isinstance(record.get("honorifics"), list):
            record = {
                **record,
                "honorifics": sorted(
                    record["honorifics"],
                    key=lambda value: str(value.get("title")) if isinstance(value, dict) else "",
                ),
            }
        return self._sync_values(
            where, record, "honorifics", UnitHonorific, HONORIFIC_FIELDS, existing, {"unit": unit}
        )

    def _publication(self, where: _Where, record: Any) -> Publication:
        allowed = (
            *PUBLICATION_FIELDS,
            "source",
            "sharing_groups",
            "shared_with",
            "people",
            "references",
            "files",
            *self._stamp_fields(Publication),
        )
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        refs = {}
        if "source" in record or _parse_uuid(record.get("uuid")) not in self.known.get(
            Publication, {}
        ):
            refs["source"] = self._ref(where, Source, record.get("source"), "source", True)
        groups = self._names(where, record, "sharing_groups", self.group_names)
        users = self._names(where, record, "shared_with", self.usernames)
        people = self._people(where, record)
        self._check()

        def owned(publication: Publication) -> bool:
            self._marking_allowed(where, publication, groups, users)
            changed = False
            if "sharing_groups" in record:
                changed |= self._sync_m2m(publication.sharing_groups, groups)
            if "shared_with" in record:
                changed |= self._sync_m2m(publication.shared_with, users)
            if people is not None:
                changed |= self._sync_people(publication, people)
            return changed

        return self._upsert(
            where, Publication, record, PUBLICATION_FIELDS, refs, "publications", owned=owned
        )

    def _people(self, where: _Where, record: dict) -> set[tuple[int, str]] | None:
        if "people" not in record:
            return None
        if not isinstance(record["people"], list):
            self.errors.append(where.error("people", "Expected a list."))
            return None
        people = set()
        roles = PublicationPerson.Role.values
        for position, value in enumerate(record["people"]):
            inner = where.nested("people", position)
            if not self._check_keys(inner, value, ("person", "role")):
                continue
            pk = self._ref(inner, Source, value.get("person"), "person", True)
            role = value.get("role", PublicationPerson.Role.QUOTED)
            if role not in roles:
                self.errors.append(inner.error("role", f"“{role}” is not one of {roles}."))
            elif pk is not None:
                people.add((pk, role))
        return people

    def _sync_people(self, publication: Publication, wanted: set[tuple[int, str]]) -> bool:
        have = {
            (link.person_id, link.role): link
            for link in self._stored(PublicationPerson, publication)
        }
        if set(have) == wanted:
            return False
        for key, link in have.items():
            if key not in wanted:
                link._change_reason = self.reason
                link.delete()
        for person_id, role in sorted(wanted - set(have)):
            link = PublicationPerson(publication=publication, person_id=person_id, role=role)
            link._change_reason = self.reason
            link.save()
        return True

    def _import_publication_links(self, publications: list) -> None:
        """References (the citation graph) and evidence files, once every publication exists."""
        for where, record, publication in publications:
            for position, value in enumerate(self._list(where, record, "references")):
                inner = where.nested("references", position)
                self._guarded(
                    inner,
                    lambda value=value, inner=inner, publication=publication: self._reference(
                        inner, value, publication
                    ),
                )
        # Files that replace another come after it: a few passes over the pending ones.
        pending = [
            (where.nested("files", position), value, publication)
            for where, record, publication in publications
            for position, value in enumerate(self._list(where, record, "files"))
        ]
        in_file = {str(value.get("uuid")) for _w, value, _p in pending if isinstance(value, dict)}
        while pending:
            ready = [
                item
                for item in pending
                if not isinstance(item[1], dict)
                or str(item[1].get("replaces")) not in in_file
                or _parse_uuid(item[1].get("replaces")) in self.known.get(EvidenceFile, {})
                or str(item[1].get("replaces")) in self.failed
            ]
            if not ready:  # a cycle of "replaces": report each remaining file
                for inner, _value, _publication in pending:
                    self.errors.append(inner.error("replaces", "Makes a cycle of versions."))
                break
            for inner, value, publication in ready:
                pending.remove((inner, value, publication))
                self._guarded(
                    inner,
                    lambda value=value, inner=inner, publication=publication: self._file(
                        inner, value, publication
                    ),
                )

    def _list(self, where: _Where, record: dict, name: str) -> list:
        values = record.get(name) or []
        if not isinstance(values, list):
            self.errors.append(where.error(name, "Expected a list."))
            return []
        return values

    def _reference(self, where: _Where, record: Any, publication: Publication) -> None:
        allowed = (*REFERENCE_FIELDS, "cited", *self._stamp_fields(PublicationReference))
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        refs = {
            "citing": publication.pk,
            "cited": self._ref(where, Publication, record.get("cited"), "cited", True),
        }
        self._upsert(where, PublicationReference, record, REFERENCE_FIELDS, refs, "references")

    def _file(self, where: _Where, record: Any, publication: Publication) -> None:
        fields = FILE_FIELDS + FILE_FIELDS_EDITABLE
        allowed = (*fields, "replaces", *self._stamp_fields(EvidenceFile))
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        refs = {"publication": publication.pk}
        if "replaces" in record:
            refs["replaces"] = self._ref(where, EvidenceFile, record["replaces"], "replaces", False)
        self._check()
        key = _parse_uuid(record.get("uuid"))
        if key in self.known.get(EvidenceFile, {}):
            # A stored file never changes (its hash is what was cited): only the description,
            # sensitivity and archive state are brought in line.
            fields = ("sensitivity", "description")
        self._upsert(where, EvidenceFile, record, fields, refs, "files")

    def _claim(self, where: _Where, record: Any) -> Claim:
        allowed = (
            *CLAIM_FIELDS,
            *CLAIM_DERIVED_FIELDS,
            "sharing_groups",
            "shared_with",
            "topics",
            "locations",
            "quantities",
            "citations",
            "involvements",
            "relations",
            *self._stamp_fields(Claim),
        )
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        groups = self._names(where, record, "sharing_groups", self.group_names)
        users = self._names(where, record, "shared_with", self.usernames)
        topics = self._names(where, record, "topics", self.topics)
        locations = {
            self._ref(where, Location, value, "locations", True)
            for value in self._list(where, record, "locations")
        }
        # References of the citations and units first, so that they are reported even when
        # the claim's own fields are wrong too (their rows are checked once the claim is).
        for position, value in enumerate(self._list(where, record, "citations")):
            inner = where.nested("citations", position)
            if isinstance(value, dict):
                self._ref(inner, Publication, value.get("publication"), "publication", True)
        for position, value in enumerate(self._list(where, record, "involvements")):
            inner = where.nested("involvements", position)
            if isinstance(value, dict):
                self._ref(inner, Unit, value.get("unit"), "unit", True)
                self._ref(inner, Source, value.get("attributed_by"), "attributed_by", False)

        def owned(claim: Claim) -> bool:
            self._marking_allowed(where, claim, groups, users)
            changed = False
            if "sharing_groups" in record:
                changed |= self._sync_m2m(claim.sharing_groups, groups)
            if "shared_with" in record:
                changed |= self._sync_m2m(claim.shared_with, users)
            if "topics" in record:
                changed |= self._sync_m2m(claim.topics, topics)
            if "locations" in record:
                changed |= self._sync_m2m(claim.locations, locations)
            existing = self._stored(Quantity, claim)
            changed |= self._sync_values(
                where, record, "quantities", Quantity, QUANTITY_FIELDS, existing, {"claim": claim}
            )
            # Each citation and involvement in its own savepoint: every bad one is reported.
            for position, value in enumerate(self._list(where, record, "citations")):
                inner = where.nested("citations", position)
                self._guarded(inner, lambda v=value, w=inner: self._citation(w, v, claim))
            for position, value in enumerate(self._list(where, record, "involvements")):
                inner = where.nested("involvements", position)
                self._guarded(inner, lambda v=value, w=inner: self._involvement(w, v, claim))
            self._check()
            return changed

        claim = self._upsert(where, Claim, record, CLAIM_FIELDS, {}, "claims", owned=owned)
        self.claim_pks.add(claim.pk)
        return claim

    def _citation(self, where: _Where, record: Any, claim: Claim) -> None:
        allowed = (*CITATION_FIELDS, "publication", *self._stamp_fields(Citation))
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        refs = {
            "claim": claim.pk,
            "publication": self._ref(
                where, Publication, record.get("publication"), "publication", True
            ),
        }
        self._upsert(where, Citation, record, CITATION_FIELDS, refs, "citations")

    def _involvement(self, where: _Where, record: Any, claim: Claim) -> None:
        allowed = (
            *INVOLVEMENT_FIELDS,
            "unit",
            "attributed_by",
            *self._stamp_fields(UnitInvolvement),
        )
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        refs = {
            "claim": claim.pk,
            "unit": self._ref(where, Unit, record.get("unit"), "unit", True),
            "attributed_by": self._ref(
                where, Source, record.get("attributed_by"), "attributed_by", False
            ),
        }
        self._upsert(where, UnitInvolvement, record, INVOLVEMENT_FIELDS, refs, "involvements")

    def _import_relations(self, claims: list) -> None:
        """Relations between claims, once every claim exists."""
        for where, record, claim in claims:
            for position, value in enumerate(self._list(where, record, "relations")):
                inner = where.nested("relations", position)
                self._guarded(
                    inner,
                    lambda value=value, inner=inner, claim=claim: self._relation(
                        inner, value, claim
                    ),
                )

    def _relation(self, where: _Where, record: Any, claim: Claim) -> None:
        allowed = (*RELATION_FIELDS, "to_claim", *self._stamp_fields(ClaimRelation))
        if not self._check_keys(where, record, allowed):
            raise _RecordFailed
        refs = {
            "from_claim": claim.pk,
            "to_claim": self._ref(where, Claim, record.get("to_claim"), "to_claim", True),
        }
        self._upsert(where, ClaimRelation, record, RELATION_FIELDS, refs, "relations")


def import_document(
    data: Any,
    *,
    name: str,
    user=None,
    dry_run: bool = False,
    path: str | None = None,
    progress: ProgressCallback | None = None,
    keep_outcomes: bool = False,
    reason: str | None = None,
) -> ImportReport:
    """Validate and import ``data`` (a parsed document); all or nothing.

    ``name`` (the file name) goes into the history reason; ``user`` restricts references and
    updates to what they may see and stamps the rows (``None``: the operator); ``path`` is the
    history entry path (e.g. "command:import_data"; default: the request's or command's);
    ``reason`` replaces the history reason "Imported from <name>." (the demo data set gives
    its own).
    """
    if not isinstance(data, dict):
        report = ImportReport(dry_run=dry_run)
        report.errors.append(
            RecordError("document", None, None, "__all__", "Expected a JSON object.")
        )
        return report
    reason = reason or f"Imported from {name}."

    def attempt(careful: bool) -> ImportReport:
        with transaction.atomic():
            with entry_path(path) if path else contextlib.nullcontext():
                importer = Importer(
                    data, reason=reason, user=user, progress=progress, careful=careful
                )
                importer.report.keep_outcomes = keep_outcomes
                report = importer.run()
            report.dry_run = dry_run
            if report.errors or dry_run:
                # Nothing is kept: the report says what a real run would have done.
                transaction.set_rollback(True)
        return report

    # First without a savepoint per record: two statements each, and past 64 in one
    # transaction PostgreSQL looks every savepoint up on disk, so a long import slowed as it
    # went (58 claims/s for 50, 31 for 200). A document with an error is rolled back and run
    # again record by record, which reports every error with its record and field.
    try:
        return attempt(careful=False)
    except _TryCarefully:
        return attempt(careful=True)
