"""The reviewable draft of a report: proposed claims with their units, sources, places, dates,
quantities and footnotes, and the units to create. Nothing is saved here."""

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from claims.models import Claim, UnitInvolvement
from units.models import Unit

from .dates import find_dates
from .gazetteer import LOCATION, SOURCE, UNIT, Entry, Gazetteer, build_gazetteer, is_acronym
from .orbat import UnitSpec, mask_bracketed, read_units
from .quantities import QuantityMention, find_quantities
from .text import FOOTNOTE_MARKER, Sentence, segment

TITLE_LENGTH = 120
# A key takeaway this similar to a body sentence repeats it (ISW copies its lead sentences).
DUPLICATE_RATIO = 0.9

ASSESSMENT_WORDS = re.compile(
    r"\b(?:assess(?:es|ed|ment)?|likely|may|might|suggests?|indicates?|appears?|seems?)\b", re.I
)
STATISTIC_MEASURES = re.compile(r"\b(?:executions?|victims?|killed|casualties|wounded)\b", re.I)


@dataclass
class ProposedUnit:
    """A unit the text names: a known one (``existing``) or a new one to create."""

    key: str
    name: str
    echelon: str
    branch: str = ""
    country: str = "RU"
    abbreviation: str = ""
    aliases: list[str] = field(default_factory=list)
    parent: str | None = None
    parent_key: str | None = None
    existing: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The proposal as JSON."""
        return {
            "key": self.key,
            "name": self.name,
            "abbreviation": self.abbreviation,
            "aliases": self.aliases,
            "echelon": str(self.echelon),
            "branch": str(self.branch),
            "country": self.country,
            "parent": self.parent,
            "parent_key": self.parent_key,
            "existing": self.existing,
            "keep": True,
        }


class UnitTable:
    """The units of one draft, each once: text mentions merged by name and abbreviation,
    matched with the database before anything new is proposed."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.units: dict[str, ProposedUnit] = {}
        self.by_name: dict[str, str] = {}
        self.by_existing: dict[int, str] = {}
        self.parents: dict[str, str] = {}  # key → the parent's name as the text gives it

    @staticmethod
    def _norm(name: str) -> str:
        return " ".join(re.findall(r"[^\W_]+", name.casefold()))

    def find(self, name: str | None) -> str | None:
        """The key of the unit known in this draft by ``name``."""
        return self.by_name.get(self._norm(name)) if name else None

    def _register(self, key: str, *names: str) -> None:
        for name in names:
            if name and not is_acronym(name):
                self.by_name.setdefault(self._norm(name), key)

    def _existing(self, spec: UnitSpec) -> int | None:
        """The database unit ``spec`` names (by name, abbreviation, then other names)."""
        for name in [spec.name, spec.abbreviation, *spec.surface, *spec.aliases]:
            if not name or (name in spec.aliases and is_acronym(name)):
                continue
            entries = self.gazetteer.lookup(name, UNIT)
            ids = [entry.ref for entry in entries if isinstance(entry.ref, int)]
            if ids:
                return ids[0]
        return None

    def add(self, spec: UnitSpec) -> str:
        """Merge ``spec`` into the table and return its key."""
        key = self.find(spec.name) or self.find(spec.abbreviation)
        if key is None:
            existing = self._existing(spec)
            key = self.by_existing.get(existing) if existing is not None else None
        if key is None:
            key = f"u{len(self.units) + 1}"
            self.units[key] = ProposedUnit(
                key=key,
                name=spec.name,
                echelon=spec.echelon,
                branch=spec.branch,
                country=spec.country,
                abbreviation=spec.abbreviation,
                aliases=list(spec.aliases),
                existing=existing,
            )
            if existing is not None:
                self.by_existing[existing] = key
        unit = self.units[key]
        if spec.parent and key not in self.parents:
            self.parents[key] = spec.parent
        self._register(key, spec.name, spec.abbreviation, *spec.surface)
        # Later mentions ("the 30th MRB", "North Korean forces") find the unit by these names.
        for name in [spec.name, spec.abbreviation, *spec.aliases, *spec.surface]:
            if name:
                self.gazetteer.add(name, Entry(UNIT, unit.existing or key, unit.name))
        return key

    def add_existing(self, unit_id: int, label: str) -> str:
        """The key of a database unit found by the gazetteer (added if new to the draft)."""
        if unit_id not in self.by_existing:
            key = f"u{len(self.units) + 1}"
            self.units[key] = ProposedUnit(key=key, name=label, echelon="", existing=unit_id)
            self.by_existing[unit_id] = key
            self._register(key, label)
        return self.by_existing[unit_id]

    def finish(self) -> list[dict[str, Any]]:
        """Known units filled in from the database (one query), parents linked, as JSON."""
        known = {
            unit.pk: unit
            for unit in Unit.objects.filter(pk__in=list(self.by_existing)).select_related("parent")
        }
        for key, unit in self.units.items():
            if unit.existing is not None and unit.existing in known:
                record = known[unit.existing]
                unit.name, unit.abbreviation = record.name, record.abbreviation
                unit.echelon, unit.branch, unit.country = (
                    record.echelon,
                    record.branch,
                    record.country,
                )
                unit.aliases = []
                unit.parent = record.parent.name if record.parent_id else None
                unit.parent_key = self.by_existing.get(record.parent_id)
                continue
            parent_name = self.parents.get(key)
            parent_key = self.find(parent_name)
            if parent_key and parent_key != key:
                unit.parent_key = parent_key
                unit.parent = self.units[parent_key].name
        return [unit.as_dict() for unit in self.units.values()]


def _title(statement: str) -> str:
    """A short title for lists: the statement cut at a word boundary."""
    if len(statement) <= TITLE_LENGTH:
        return statement.rstrip(".")
    return statement[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _kind(sentence: str, quantities: list[QuantityMention]) -> str:
    """The claim kind a sentence reads as (attribution, assessment, statistic, event)."""
    if re.search(r"\battribut", sentence, re.I):
        return Claim.Kind.ATTRIBUTION
    if ASSESSMENT_WORDS.search(sentence):
        return Claim.Kind.ASSESSMENT
    if quantities and STATISTIC_MEASURES.search(sentence):
        return Claim.Kind.STATISTIC
    return Claim.Kind.EVENT


def _role(sentence: str) -> str:
    """The role the sentence gives the units it names (attributed, located, mentioned)."""
    if re.search(r"\battribut", sentence, re.I):
        return UnitInvolvement.Role.ATTRIBUTED
    if re.search(r"\b(?:fighting|operating|deployed|stationed)\s+(?:near|in)\b", sentence):
        return UnitInvolvement.Role.LOCATED
    return UnitInvolvement.Role.MENTIONED


def _claim(
    sentence: Sentence, number: int, report_date: dt.date, table: UnitTable
) -> dict[str, Any]:
    """One proposed claim from one sentence."""
    text = sentence.text
    masked_text = mask_bracketed(text)
    matches = table.gazetteer.find(masked_text)
    units: dict[str, dict[str, Any]] = {}
    # By record id (entries of sources and places always carry one).
    sources: dict[int | str, dict[str, Any]] = {}
    places: dict[int | str, dict[str, Any]] = {}
    spans = [m.span() for m in FOOTNOTE_MARKER.finditer(text)]
    for match in matches:
        unit_entries = [entry for entry in match.entries if entry.kind == UNIT]
        ambiguous = len(unit_entries) > 1
        for entry in match.entries:
            if entry.kind == UNIT:
                key = (
                    table.add_existing(entry.ref, entry.label)
                    if isinstance(entry.ref, int)
                    else entry.ref
                )
                units.setdefault(
                    key,
                    {
                        "key": key,
                        "text": match.text,
                        "role": str(_role(text)),
                        "ambiguous": ambiguous,
                    },
                )
                spans.append((match.start, match.end))
            elif entry.kind == SOURCE:
                sources.setdefault(entry.ref, {"id": entry.ref, "name": entry.label})
            elif entry.kind == LOCATION:
                places.setdefault(entry.ref, {"id": entry.ref, "name": entry.label})
    dates = find_dates(text, report_date)
    spans += [(mention.start, mention.end) for mention in dates]
    quantities = find_quantities(text, spans)
    statement = sentence.plain
    return {
        "key": f"c{number}",
        "keep": True,
        "title": _title(statement),
        "statement": statement,
        "excerpt": text,
        "kind": str(_kind(text, quantities)),
        "paragraph": sentence.paragraph or None,
        "sentence": sentence.index,
        "key_takeaway": sentence.key_takeaway,
        "duplicate_of": None,
        "footnotes": sentence.footnotes,
        "units": list(units.values()),
        "sources": list(sources.values()),
        "locations": list(places.values()),
        "dates": [mention.as_dict() for mention in dates],
        "occurred": dates[0].as_dict() if dates else None,
        "quantities": [mention.as_dict() for mention in quantities],
    }


def _mark_duplicates(claims: list[dict[str, Any]]) -> None:
    """A key takeaway repeating a body sentence is the same claim: proposed, not kept."""
    body = [claim for claim in claims if not claim["key_takeaway"]]
    for claim in claims:
        if not claim["key_takeaway"]:
            continue
        # The takeaway is the cached side; the cheap upper bounds skip most sentences before
        # the quadratic ratio() runs (a long report has hundreds of sentences).
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(claim["statement"].lower())
        for other in body:
            matcher.set_seq1(other["statement"].lower())
            if (
                matcher.real_quick_ratio() >= DUPLICATE_RATIO
                and matcher.quick_ratio() >= DUPLICATE_RATIO
                and matcher.ratio() >= DUPLICATE_RATIO
            ):
                claim["duplicate_of"] = other["key"]
                claim["keep"] = False
                break


def build_draft(
    text: str, report_date: dt.date, user: User | AnonymousUser | None = None
) -> dict[str, Any]:
    """The draft of a report as JSON-ready data (a fixed number of queries, none written).

    ``user`` limits the gazetteer to what they may see; ``None`` (a command run by an
    operator) reads every current record.
    """
    segmented = segment(text)
    gazetteer = build_gazetteer(user)
    table = UnitTable(gazetteer)
    sentences = segmented.sentences + segmented.takeaways
    # First the units the notation describes (so that later short mentions find them)…
    for sentence in sentences:
        for spec in read_units(sentence.text):
            table.add(spec)
    # …then each sentence's mentions of everything known.
    claims = [
        _claim(sentence, number, report_date, table)
        for number, sentence in enumerate(sentences, start=1)
    ]
    _mark_duplicates(claims)
    units = table.finish()
    names = {unit["key"]: unit["name"] for unit in units}
    for claim in claims:
        for unit in claim["units"]:
            unit["name"] = names[unit["key"]]

    def tally(kind: str) -> list[dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for claim in claims:
            for record in claim[kind]:
                found.setdefault(record["id"], {**record, "claims": []})["claims"].append(
                    claim["key"]
                )
        return sorted(found.values(), key=lambda record: record["name"])

    footnotes = {str(n): segmented.footnotes.get(n, []) for n in segmented.footnote_numbers()}
    return {
        "report": {
            "date": report_date.isoformat(),
            "paragraphs": len(segmented.paragraphs),
            "sentences": len(segmented.sentences),
            "key_takeaways": len(segmented.takeaways),
        },
        "claims": claims,
        "units": units,
        "sources": tally("sources"),
        "locations": tally("locations"),
        "footnotes": footnotes,
    }
