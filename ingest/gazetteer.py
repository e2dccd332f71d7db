"""A gazetteer of the units, sources (outlets, bodies, people) and places the database knows,
matched in text by whole words, tolerant of case and punctuation; the longest match wins."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User

from core.querysets import VisibleQuerySet
from places.models import Location, LocationAlias
from sources.models import Source, SourceAlias
from units.models import Unit, UnitAlias

# Word characters of any script (Cyrillic and Hangul names too), without the underscore.
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

UNIT, SOURCE, LOCATION = "unit", "source", "location"

_Visible = TypeVar("_Visible", bound=VisibleQuerySet)


@dataclass(frozen=True)
class Entry:
    """A record the gazetteer can find: its kind, id (or draft key) and display name."""

    kind: str
    ref: int | str
    label: str


@dataclass
class Match:
    """A span of text naming one or more records (several when a name is ambiguous)."""

    start: int
    end: int
    text: str
    entries: list[Entry]


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Words of ``text`` with their offsets; "Brigade’s" gives "Brigade" and "s"."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def is_acronym(name: str) -> bool:
    """Short all-capital names ("FT", "NIS", "VDV") are matched case-sensitively, so that
    "ft" (feet) or "nis" in a word list never names an outlet."""
    letters = re.sub(r"[^A-Za-z]", "", name)
    return 0 < len(letters) <= 5 and letters.isupper() and len(name.split()) == 1


def key_of(name: str) -> tuple[str, ...]:
    """The lookup key of a name: its words, case-folded (acronyms keep their case)."""
    words = [word for word, _start, _end in tokens(name)]
    if is_acronym(name):
        return tuple(words)
    return tuple(word.casefold() for word in words)


@dataclass
class Gazetteer:
    """Names → records; ``find`` scans text for the longest names, whole words only."""

    names: dict[tuple[str, ...], set[Entry]] = field(default_factory=lambda: defaultdict(set))
    longest: int = 1

    def add(self, name: str, entry: Entry) -> None:
        """Know ``entry`` by ``name`` (a name, abbreviation or alias)."""
        key = key_of(name or "")
        if not key:
            return
        self.names[key].add(entry)
        self.longest = max(self.longest, len(key))

    def lookup(self, name: str, kind: str | None = None) -> list[Entry]:
        """The records known exactly by ``name`` (whole name, case-insensitive)."""
        found = self.names.get(key_of(name), set()) | self.names.get(
            tuple(w.casefold() for w, _s, _e in tokens(name)), set()
        )
        return sorted(
            (entry for entry in found if kind is None or entry.kind == kind),
            key=lambda entry: str(entry.ref),
        )

    def find(self, text: str, kinds: set[str] | None = None) -> list[Match]:
        """Every mention in ``text``, longest first at each position, never overlapping."""
        words = tokens(text)
        folded = [word.casefold() for word, _s, _e in words]
        exact = [word for word, _s, _e in words]
        matches: list[Match] = []
        position = 0
        while position < len(words):
            found: Match | None = None
            for length in range(min(self.longest, len(words) - position), 0, -1):
                entries = self.names.get(tuple(folded[position : position + length]), set())
                entries = entries | self.names.get(
                    tuple(exact[position : position + length]), set()
                )
                if kinds is not None:
                    entries = {entry for entry in entries if entry.kind in kinds}
                if entries:
                    start, end = words[position][1], words[position + length - 1][2]
                    # One entry per record: a record known by this name and by an alias
                    # added for the draft (with another label) is still one record.
                    unique = {(entry.kind, entry.ref): entry for entry in entries}
                    found = Match(
                        start,
                        end,
                        text[start:end],
                        sorted(unique.values(), key=lambda e: (e.kind, str(e.ref))),
                    )
                    break
            if found:
                matches.append(found)
                position += len(tokens(found.text))
            else:
                position += 1
        return matches


def _surname(name: str) -> str | None:
    """A person's family name ("Budanov" of "Kyrylo Budanov"): reports name people by it
    after the first mention."""
    words = name.split()
    if len(words) < 2 or "(" in name or not words[-1][:1].isupper() or len(words[-1]) < 4:
        return None
    return words[-1]


def build_gazetteer(user: User | AnonymousUser | None = None) -> Gazetteer:
    """The gazetteer of every current unit, source and place ``user`` may see (six queries).

    Units and sources carry no marking, so ``visible_to`` leaves out archived ones only;
    ``user=None`` (a management command run by an operator) reads every current record.
    """
    gazetteer = Gazetteer()

    def current(queryset: _Visible) -> _Visible:
        if user is None:
            return queryset.filter(archived_at__isnull=True)
        # core.querysets.VisibleQuerySet.visible_to has no return annotation yet (-> Self).
        return queryset.visible_to(user)  # type: ignore[no-any-return]

    units = current(Unit.objects.all())
    labels = {}
    for pk, name, abbreviation in units.values_list("pk", "name", "abbreviation"):
        entry = Entry(UNIT, pk, name)
        labels[pk] = name
        gazetteer.add(name, entry)
        gazetteer.add(abbreviation, entry)
    for unit_id, alias in UnitAlias.objects.filter(unit__in=units.values("pk")).values_list(
        "unit_id", "name"
    ):
        gazetteer.add(alias, Entry(UNIT, unit_id, labels[unit_id]))

    sources = current(Source.objects.all())
    source_labels = {}
    for pk, name, kind in sources.values_list("pk", "name", "kind"):
        entry = Entry(SOURCE, pk, name)
        source_labels[pk] = name
        gazetteer.add(name, entry)
        surname = _surname(name) if kind == Source.Kind.PERSON else None
        if surname:
            gazetteer.add(surname, entry)
    for source_id, alias in SourceAlias.objects.filter(source__in=sources.values("pk")).values_list(
        "source_id", "name"
    ):
        gazetteer.add(alias, Entry(SOURCE, source_id, source_labels[source_id]))

    # Places carry no marking and are never archived: all of them are public knowledge.
    place_labels = {}
    for pk, name in Location.objects.values_list("pk", "name"):
        place_labels[pk] = name
        gazetteer.add(name, Entry(LOCATION, pk, name))
    for location_id, alias in LocationAlias.objects.values_list("location_id", "name"):
        gazetteer.add(alias, Entry(LOCATION, location_id, place_labels[location_id]))
    return gazetteer
