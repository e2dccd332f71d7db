"""Synthetic data at scale: seeded, realistic claims and evidence written with COPY.

``generate(claims=N, seed=S)`` fills an empty PostgreSQL database in the proportions of real use
(per 1,000,000 claims: about 3,000,000 citations, 300,000 publications, 5,000 sources with
their people, 20,000 units up to 6 deep, 50,000 places, 2,000,000 unit involvements). The same
seed gives the same rows, uuids and timestamps included.

How it stays fast and small:

- rows go to PostgreSQL with ``COPY … FROM STDIN`` through Django's own psycopg 3 connection,
  streamed as they are generated; claims are written in chunks (each chunk in one transaction:
  the claims, their citations, units, places, topics, numbers and sharing), so memory does
  not grow with N and the deferred foreign-key checks of a chunk run at its commit;
- ids of the tables other rows point to (units, places, sources, publications, claims) are
  assigned here, after the current maximum, and the sequences are moved past them at the end;
  link tables take their ids from the database;
- the stored corroboration fields (``best_grade``, ``independent_lines``, ``disputes``,
  ``suggested_status``) are computed while a claim's citations are generated, by the rule's
  one implementation (``claims.corroboration``) on the generator's own arrays, so no second
  pass over the claims and no query is needed (``tests/devdata/test_synthetic.py`` checks
  that ``refresh_corroboration`` finds nothing to change);
- columns the database fills itself (a generated search vector, a trigger) are never listed;
  fields added later with a constant default get that default.
- the ORBAT and places' closures (``units.UnitAncestor``, ``places.LocationAncestor``), which
  ``save()`` keeps on other paths, are recomputed in one statement once the rows are written.

Synthetic rows have no history rows: they were never edited, and a million "created" entries
would only slow down the history tables. They have no author (``created_by`` is null, as for
``load_demo``).
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction

from claims.corroboration import Corroboration, corroborate, echo_reach
from claims.models import (
    Citation,
    Claim,
    ClaimRelation,
    Quantity,
    Topic,
    UnitInvolvement,
)
from core.choices import Confidence, DatePrecision, Marking, Sensitivity
from core.dates import period_end, period_start
from places.models import Location, LocationAncestor
from sources.models import (
    Publication,
    PublicationPerson,
    PublicationReference,
    Source,
    SourceAlias,
)
from units.models import Unit, UnitAlias, UnitAncestor

DEFAULT_CLAIMS = 10_000
DEFAULT_SEED = 20250220
CHUNK_CLAIMS = 20_000

# Reporting on the full-scale invasion: every date falls in this window.
FIRST_DAY = dt.date(2022, 2, 24)
LAST_DAY = dt.date(2025, 12, 31)
SPAN_DAYS = (LAST_DAY - FIRST_DAY).days

# The sharing groups and the named recipient that AMBER, AMBER+STRICT and RED rows use.
SHARING_GROUPS = ("synthetic-team-north", "synthetic-team-south", "synthetic-partners")
RED_RECIPIENT = "synthetic-recipient"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Plan:
    """How many rows of each kind N claims come with (the proportions of real use)."""

    claims: int
    citations: int
    publications: int
    sources: int
    units: int
    locations: int
    involvements: int

    @classmethod
    def for_claims(cls, claims: int) -> Plan:
        """Per 1,000,000 claims: 3M citations, 300k publications, 5k sources, 20k units,
        50k places, 2M involvements; small N keep enough of each to make a hierarchy."""
        return cls(
            claims=claims,
            citations=3 * claims,
            publications=max(60, round(claims * 0.3)),
            sources=max(40, round(claims * 0.005)),
            units=max(60, round(claims * 0.02)),
            locations=max(80, round(claims * 0.05)),
            involvements=2 * claims,
        )

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- vocabulary ------------------------------------------------------------------------------
# Plain words only (no tab, newline or backslash), so the text needs no COPY escaping.

TOPICS = [
    "POW executions",
    "DPRK forces in Russia",
    "Weapons production",
    "Diplomacy",
    "Frontline changes",
    "Drone strikes",
    "Missile strikes",
    "Energy infrastructure",
    "Mobilisation",
    "Air defence",
    "Naval operations",
    "Cross-border raids",
    "Occupation administration",
    "Deportation of children",
    "Sanctions evasion",
    "Information operations",
    "Electronic warfare",
    "Logistics",
    "Casualties",
    "Command changes",
    "Training abroad",
    "Western aid",
    "Partisan activity",
    "Nuclear safety",
    "Black Sea shipping",
    "Recruitment of foreigners",
    "Penal units",
    "Glide bombs",
    "Counteroffensive",
    "Fortifications",
]

ACTORS = [
    "Russian forces",
    "Ukrainian forces",
    "North Korean troops",
    "Russian milbloggers",
    "Ukrainian officials",
    "the Kremlin",
    "the Russian Ministry of Defence",
    "Ukrainian military intelligence",
    "a Ukrainian brigade",
    "Russian assault groups",
    "Wagner veterans",
    "Rosgvardia elements",
    "Ukrainian drone operators",
    "Russian airborne troops",
    "naval infantry",
]
VERBS = [
    "advanced near",
    "attacked",
    "shelled",
    "struck",
    "withdrew from",
    "recaptured",
    "fortified positions near",
    "executed prisoners near",
    "launched drones against",
    "conducted glide bomb strikes on",
    "deployed reinforcements to",
    "claimed the seizure of",
    "repelled assaults near",
    "mined roads around",
    "evacuated civilians from",
    "intensified operations near",
    "regrouped north of",
    "established a bridgehead at",
]
OBJECTS = [
    "an ammunition depot",
    "energy infrastructure",
    "a command post",
    "a railway junction",
    "a fuel storage facility",
    "residential buildings",
    "a bridge",
    "an airfield",
    "air defence systems",
    "a drone production workshop",
    "logistics routes",
    "a field hospital",
    "an electrical substation",
    "a grain terminal",
    "armoured vehicles",
    "artillery positions",
]
# Common reporting words: some occur in a large share of claims, so a broad search term
# matches a hundred thousand claims or more at a million.
COMMON = (  # noqa: SIM905
    "drone drones strike strikes attack attacks artillery assault assaults missile missiles "
    "shelling frontline offensive positions infantry armoured troops soldiers "
    "reconnaissance footage video report reports confirmed geolocated imagery satellite "
    "casualties wounded killed prisoners civilians evacuation logistics ammunition supply "
    "fuel bridge railway depot airfield command brigade regiment battalion division corps "
    "army fleet units commander officers mobilisation recruits training equipment tanks "
    "vehicles helicopters jets bombers glide bombs rockets launchers air defence radar "
    "electronic warfare jamming communications intelligence statement officials ministry "
    "spokesperson claims denied alleged reportedly according sources analysts assessment "
    "evidence investigation executions torture detention deportation occupation "
    "administration referendum sanctions exports imports production factory workshop "
    "shipyard port tanker vessel coast river forest village town city oblast region sector "
    "direction axis salient bridgehead trench fortifications minefield counterattack "
    "withdrawal advance breakthrough encirclement"
).split()
UNCOMMON = (  # noqa: SIM905
    "thermobaric loitering munition counterbattery fibre-optic interceptor decoy cluster "
    "incendiary white-phosphorus pontoon engineering sappers medevac triage filtration camp "
    "passportisation conscription desertion mutiny court-martial barrage kamikaze "
    "reconnaissance-strike ammunition-shortage spare-parts tank-repair refinery substation "
    "transformer blackout grid heating water-supply dam reservoir grain corridor insurance "
    "shipping-lane blockade mines naval-drone sea-baby cyberattack disinformation "
    "propaganda bot-network leaked-documents intercepted-call satellite-imagery "
    "thermal-imaging night-vision body-armour helmets rations winterisation"
).split()

ECHELON_LABELS = {
    Unit.Echelon.MILITARY_DISTRICT: "Military District",
    Unit.Echelon.FLEET: "Fleet",
    Unit.Echelon.ARMY: "Combined Arms Army",
    Unit.Echelon.CORPS: "Army Corps",
    Unit.Echelon.DIVISION: "Division",
    Unit.Echelon.BRIGADE: "Brigade",
    Unit.Echelon.REGIMENT: "Regiment",
    Unit.Echelon.BATTALION: "Battalion",
    Unit.Echelon.DETACHMENT: "Detachment",
    Unit.Echelon.COMPANY: "Company",
}
BRANCH_LABELS = {
    Unit.Branch.MOTORIZED_RIFLE: ("Motorized Rifle", "MR"),
    Unit.Branch.TANK: ("Tank", "T"),
    Unit.Branch.NAVAL_INFANTRY: ("Naval Infantry", "NI"),
    Unit.Branch.AIRBORNE: ("Guards Airborne", "VDV"),
    Unit.Branch.AIR_ASSAULT: ("Air Assault", "AA"),
    Unit.Branch.ARTILLERY: ("Artillery", "Arty"),
    Unit.Branch.SPECIAL_FORCES: ("Spetsnaz", "SF"),
    Unit.Branch.PENAL: ("Storm", "Storm"),
    Unit.Branch.INFANTRY: ("Infantry", "Inf"),
    Unit.Branch.DRONE: ("Unmanned Systems", "UAS"),
}
# Echelons by depth (1 = the country's armed forces): the ORBAT is at most 6 deep.
DEPTH_ECHELONS = {
    2: [Unit.Echelon.MILITARY_DISTRICT, Unit.Echelon.FLEET],
    3: [Unit.Echelon.ARMY, Unit.Echelon.CORPS],
    4: [Unit.Echelon.DIVISION, Unit.Echelon.BRIGADE],
    5: [Unit.Echelon.REGIMENT, Unit.Echelon.BATTALION],
    6: [Unit.Echelon.DETACHMENT, Unit.Echelon.COMPANY],
}
# Share of the units at each depth below the top.
DEPTH_SHARES = {2: 0.01, 3: 0.05, 4: 0.2, 5: 0.34, 6: 0.4}
UNIT_COUNTRIES = [("RU", "Russian", 70), ("UA", "Ukrainian", 25), ("KP", "North Korean", 3)]
UNIT_COUNTRIES.append(("BY", "Belarusian", 2))

PLACE_COUNTRIES = [
    ("UA", "Ukraine", 44.4, 52.3, 22.2, 40.2, 80),
    ("RU", "Russia", 50.0, 56.0, 34.0, 45.0, 15),
    ("BY", "Belarus", 51.3, 56.1, 23.2, 32.7, 3),
    ("KP", "North Korea", 38.0, 42.5, 124.3, 130.6, 2),
]
PLACE_PREFIXES = ["", "", "", "Novo", "Staro", "Velyka ", "Mala ", "Verkhnia ", "Nyzhnia "]
SYLLABLES = (  # noqa: SIM905
    "ka ro va li mi ne po hor dub zar bil sos kra tor vol myr lyp kam ber hlu ost"
).split()
PLACE_SUFFIXES = ["ivka", "ove", "ske", "ka", "ne", "ivske", "horod", "pil", "yn", "ets", "ovo"]
FIRST_NAMES = (  # noqa: SIM905
    "Oleksandr Kyrylo Vadym Andriy Olena Iryna Dmytro Serhiy Yulia Natalia Viktor Mykola "
    "Anna Maria Wayne James Sarah Michael Min-jun Seo-yeon Ivan Pavel Igor Tatiana Ruslan "
    "Oksana Petro Taras Halyna Roman Yevhen Bohdan Daria Kateryna Marta Jonas Elena Lukas"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Budanov Skibitskyi Jordash Kovalenko Shevchenko Bondarenko Tkachenko Kravchenko Melnyk "
    "Petrenko Lysenko Moroz Savchenko Rudenko Marchenko Hrytsenko Kim Park Lee Choi Smith "
    "Brown Miller Petrov Ivanov Sokolov Volkov Orlov Karpenko Zinchenko Pavlenko Tymoshenko "
    "Horbunov Yakovenko Demchenko Kuzmenko Holub Fedorenko Klymenko"
).split()
ORG_WORDS = (  # noqa: SIM905
    "Northern Eastern Western Southern Central Baltic Atlantic Pacific Black Sea Open Free "
    "Independent Digital Frontline Conflict Defence Security Strategic Civic Public Global"
).split()
ORG_KINDS = [
    (Source.Kind.NEWS_OUTLET, ["Times", "Herald", "Post", "Daily", "Review", "Wire", "News"], 40),
    (Source.Kind.GOVERNMENT, ["Ministry", "Office", "Council", "Administration"], 15),
    (Source.Kind.INTELLIGENCE, ["Intelligence Directorate", "Security Service"], 8),
    (Source.Kind.MILITARY, ["Operational Command", "General Staff", "Brigade Press Service"], 10),
    (Source.Kind.THINK_TANK, ["Institute", "Center for Studies", "Policy Group"], 10),
    (Source.Kind.NGO, ["Rights Watch", "Monitoring Mission", "Human Rights Group"], 7),
    (Source.Kind.INVESTIGATIVE_GROUP, ["Open Source Team", "Investigations", "Lab"], 8),
    (Source.Kind.INTERNATIONAL_ORG, ["Mission", "Commission"], 2),
]
PERSON_ROLES = ["Head", "Spokesperson", "Deputy head", "Analyst", "Correspondent", "Commander"]
RELIABILITY = ["A", "B", "C", "D", "E", "F"]
RELIABILITY_WEIGHTS = [4, 30, 35, 14, 5, 12]

PUBLICATION_KINDS = [
    (Publication.Kind.ARTICLE, 45),
    (Publication.Kind.REPORT, 12),
    (Publication.Kind.STATEMENT, 12),
    (Publication.Kind.SOCIAL_POST, 10),
    (Publication.Kind.INVESTIGATION, 5),
    (Publication.Kind.INTERVIEW, 5),
    (Publication.Kind.VIDEO, 6),
    (Publication.Kind.IMAGE, 3),
    (Publication.Kind.DOCUMENT, 2),
]
LANGUAGES = [("en", 70), ("uk", 15), ("ru", 10), ("ko", 2), ("de", 2), ("fr", 1)]
# TLP 2.0: mostly CLEAR and GREEN, some shared with groups, a few named recipients.
MARKINGS = [
    (Marking.CLEAR, 55),
    (Marking.GREEN, 35),
    (Marking.AMBER, 7),
    (Marking.AMBER_STRICT, 2),
    (Marking.RED, 1),
]
REFERENCE_KINDS = [
    (PublicationReference.Kind.CITES, 55),
    (PublicationReference.Kind.REPORTS_ON, 15),
    (PublicationReference.Kind.QUOTES, 10),
    (PublicationReference.Kind.CONFIRMS, 15),
    (PublicationReference.Kind.DISPUTES, 5),
]
REFERENCE_KIND_NAMES = [kind for kind, _ in REFERENCE_KINDS]
STANCES = [
    (Citation.Stance.SUPPORTS, 75),
    (Citation.Stance.DISPUTES, 8),
    (Citation.Stance.MENTIONS, 17),
]
CREDIBILITY_WEIGHTS = [5, 30, 35, 12, 5, 13]  # 1..6
CLAIM_KINDS = [
    (Claim.Kind.EVENT, 60),
    (Claim.Kind.STATISTIC, 10),
    (Claim.Kind.ASSESSMENT, 12),
    (Claim.Kind.ATTRIBUTION, 10),
    (Claim.Kind.STATEMENT, 8),
]
CLAIM_STATUSES = [
    (Claim.Status.UNVERIFIED, 60),
    (Claim.Status.CORROBORATED, 28),
    (Claim.Status.DISPUTED, 9),
    (Claim.Status.REFUTED, 3),
]
CONFIDENCES = (
    [("", 40)]
    + [(value, 10) for value in Confidence.values[1:-1]]
    + [
        (Confidence.ALMOST_NO_CHANCE, 2),
        (Confidence.ALMOST_CERTAIN, 8),
    ]
)
PRECISIONS = [
    (DatePrecision.DAY, 70),
    (DatePrecision.MONTH, 18),
    (DatePrecision.SEASON, 7),
    (DatePrecision.YEAR, 5),
]
ROLES = [
    (UnitInvolvement.Role.PERPETRATOR, 15),
    (UnitInvolvement.Role.ATTRIBUTED, 15),
    (UnitInvolvement.Role.SUBJECT, 25),
    (UnitInvolvement.Role.LOCATED, 25),
    (UnitInvolvement.Role.MENTIONED, 20),
]
# Citations per claim (mean 3) and unit involvements per claim (mean 2).
CITATIONS_PER_CLAIM = ([1, 2, 3, 4, 5, 6], [15, 25, 25, 18, 10, 7])
INVOLVEMENTS_PER_CLAIM = ([0, 1, 2, 3, 4, 5], [12, 25, 30, 20, 9, 4])
DOMAINS = ["example.org", "example.com", "example.net"]


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


class Picker:
    """Weighted choice from a fixed list, with cumulative weights computed once."""

    def __init__(self, pairs: list[tuple[object, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum = _cumulative(weight for _, weight in pairs)
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> object:
        return self.values[bisect_right(self.cum, rng.random() * self.total)]


def _zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    """Weights 1/rank^s: a few hot items (big outlets, busy brigades), a long tail."""
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"


def _sentence_case(text: str) -> str:
    """The first letter upper case, the rest as written ("North Korean troops")."""
    return text[:1].upper() + text[1:]


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def _uuid(rng: random.Random) -> str:
    """A random (version 4) UUID from ``rng``, as the text COPY sends (cheaper than uuid.UUID)."""
    return "%032x" % (rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET)


def _randint(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` without its argument checks: it runs millions of times."""
    return low + int(rng.random() * (high - low + 1))


def _day(offset: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=offset)


def _stamp(day: dt.date, rng: random.Random, lag_days: int = 0) -> dt.datetime:
    """A time of day on ``day`` (plus ``lag_days``), never after the last day of the window."""
    moment = dt.datetime.combine(
        min(day + dt.timedelta(days=lag_days), LAST_DAY), dt.time(), tzinfo=dt.UTC
    )
    return moment + dt.timedelta(seconds=rng.randrange(86_400))


# -- COPY ------------------------------------------------------------------------------------


class Table:
    """One table written with COPY: the listed fields, plus constant defaults for the rest.

    Fields the database computes itself (``GeneratedField``) are never listed, so a stored
    search vector added later fills itself.
    """

    def __init__(self, model: type[models.Model], names: list[str]) -> None:
        self.model = model
        self.names = names
        self.extra: list[object] = []
        extra_columns = []
        for field in model._meta.concrete_fields:
            if field.attname in names or field.primary_key or field.generated:
                continue
            if field.has_default() and not callable(field.default):
                extra_columns.append(field.column)
                self.extra.append(field.default)
            elif not field.null and not field.has_db_default():
                raise RuntimeError(
                    f"{model._meta.label}.{field.name} has no value in the synthetic data "
                    "and no constant default: add it to devdata/synthetic.py."
                )
        columns = [model._meta.get_field(name).column for name in names] + extra_columns
        quote = connection.ops.quote_name
        self.sql = (
            f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
            "FROM STDIN"
        )

    def write(self, rows: Iterable[tuple]) -> int:
        """Stream ``rows`` (tuples in the order of ``names``) into the table; returns the count."""
        count = 0
        extra = tuple(self.extra)
        with connection.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
            for row in rows:
                copy.write_row(row + extra if extra else row)
                count += 1
        return count


def _max_id(model: type[models.Model]) -> int:
    return model.objects.aggregate(top=models.Max("pk"))["top"] or 0


# From this many claims on, the claim tables' secondary indexes, unique and foreign-key
# constraints are dropped during the load and built again after it (as pg_restore does):
# building an index once is several times cheaper than updating it for every row, and one
# validating join per foreign key replaces millions of deferred per-row checks.
REBUILD_FROM = 50_000


def _in_session(function: Callable, *args) -> None:
    """Run ``function`` on this thread's own connection, with the generator's session setup."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    function(*args)


def _close_connection() -> None:
    """Close the calling thread's own connection (the writer thread's, when it is done)."""
    connection.close()


def _drop_secondary(models_: list[type[models.Model]]) -> list[str]:
    """Drop the foreign keys, unique constraints and plain indexes of these tables (primary
    keys stay); returns the statements that create them again, in a valid order."""
    indexes, uniques, foreign = [], [], []
    drops = []
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                [table],
            )
            for name, kind, definition in cursor.fetchall():
                constraint = connection.ops.quote_name(name)
                statement = f"ALTER TABLE {quoted} ADD CONSTRAINT {constraint} {definition}"
                (foreign if kind == "f" else uniques).append(statement)
                drops.append(
                    (
                        0 if kind == "f" else 1,
                        f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}",
                    )
                )
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.tablename = %s AND i.schemaname = current_schema()"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                " WHERE c.conrelid = %s::regclass AND c.conname = i.indexname)"
                " ORDER BY i.indexname",
                [table, table],
            )
            for name, definition in cursor.fetchall():
                indexes.append(definition)
                drops.append((2, f"DROP INDEX {connection.ops.quote_name(name)}"))
        # Inside a caller's transaction, checks still deferred on the referenced tables would
        # forbid changing their foreign keys: run those checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _, statement in sorted(drops, key=lambda item: item[0]):
            cursor.execute(statement)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return indexes + uniques + foreign


def _restore_secondary(statements: list[str], progress: Callable[[int], None]) -> None:
    """Create again what ``_drop_secondary`` dropped."""
    with connection.cursor() as cursor:
        # Index builds sort in memory when they can.
        cursor.execute("SET maintenance_work_mem TO '512MB'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as in _drop_secondary
        for done, statement in enumerate(statements, start=1):
            cursor.execute(statement)
            progress(done)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# -- the generator ---------------------------------------------------------------------------


@dataclass
class _Publications:
    """What claims need to know about the publications, in compact arrays."""

    first_id: int
    days: array  # day offsets, ascending with the id
    source: array  # source index per publication
    public: bytearray  # 1 when CLEAR or GREEN (counted in the stored fields)
    cited: array  # index of the publication it references, or -1
    reference: bytearray  # the kind of that reference (its index in REFERENCE_KIND_NAMES)
    root: array  # affiliation root (source index) of whoever speaks: the source, or the
    # one person interviewed (claims.services rule 3)


class Generator:
    """Writes one synthetic data set; see the module docstring."""

    def __init__(
        self,
        claims: int,
        seed: int,
        progress: Progress | None = None,
        chunk: int = CHUNK_CLAIMS,
        rebuild_indexes: bool | None = None,
    ) -> None:
        self.plan = Plan.for_claims(claims)
        self.rebuild_indexes = rebuild_indexes
        self.seed = seed
        self.rng = random.Random(seed)
        self.progress = progress or (lambda stage, done, total: None)
        self.chunk = max(1, chunk)

    # -- entry point

    def run(self) -> dict[str, int]:
        """Generate everything; returns the number of rows written per table."""
        if connection.vendor != "postgresql":
            raise RuntimeError(
                "generate_synthetic writes with COPY, which only PostgreSQL has: set "
                "DATABASE_URL=postgres://… (a dedicated database, e.g. claimtrace_bench)."
            )
        if Claim.objects.exists():
            raise RuntimeError(
                "This database already holds claims; generate_synthetic fills an empty one. "
                "Use a dedicated database (e.g. claimtrace_bench) or drop and migrate it."
            )
        self.counts: dict[str, int] = {}
        with connection.cursor() as cursor:
            # A generated data set can be generated again: no need to wait for the WAL flush.
            cursor.execute("SET synchronous_commit TO off")
        with transaction.atomic():
            self._sharing()
            self._topics()
            self._locations()
            self._units()
            self._sources()
            self._publications()
        self._claims()
        self._finish()
        return self.counts

    def _count(self, name: str, rows: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + rows

    # -- small fixed tables (ORM: a handful of rows)

    def _sharing(self) -> None:
        self.groups = [Group.objects.get_or_create(name=name)[0].pk for name in SHARING_GROUPS]
        user, created = get_user_model().objects.get_or_create(username=RED_RECIPIENT)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        self.recipient = user.pk

    def _topics(self) -> None:
        existing = {t.name: t.pk for t in Topic.objects.all()}
        self.topics = []
        for name in TOPICS:
            if name not in existing:
                topic = Topic(name=name)
                topic.save()
                existing[name] = topic.pk
            self.topics.append(existing[name])
        self.topic_pick = Picker(
            list(zip(self.topics, _zipf_weights(len(TOPICS), 0.8), strict=True))
        )

    # -- places: countries › regions › districts › settlements › sites

    def _place_name(self, taken: set[str]) -> str:
        rng = self.rng
        for attempt in range(20):
            stem = "".join(rng.choice(SYLLABLES) for _ in range(_randint(rng, 1, 2)))
            prefix, rest = rng.choice(PLACE_PREFIXES), f"{stem}{rng.choice(PLACE_SUFFIXES)}"
            # "Velyka Dubivka", but "Novodubivka": a prefix with a space starts a second word.
            name = prefix + (rest.capitalize() if not prefix or prefix.endswith(" ") else rest)
            if attempt > 10:
                name = f"{name} {attempt}"
            if name not in taken:
                taken.add(name)
                return name
        raise RuntimeError("Could not find a free place name")  # pragma: no cover

    def _locations(self) -> None:
        rng, total = self.rng, self.plan.locations
        first = _max_id(Location) + 1
        country_pick = Picker([(row, row[-1]) for row in PLACE_COUNTRIES])
        levels = [
            (Location.Kind.REGION, max(4, round(total * 0.01))),
            (Location.Kind.DISTRICT, max(8, round(total * 0.09))),
        ]
        rows: list[tuple] = []
        bounds: dict[int, tuple] = {}
        countries = []
        taken_top = set(Location.objects.filter(parent=None).values_list("name", flat=True))
        for code, name, *_ in PLACE_COUNTRIES:
            if name in taken_top:
                name = f"{name} (synthetic)"
            pk = first + len(rows)
            rows.append((pk, name, Location.Kind.COUNTRY, None, code, None, None, "region"))
            countries.append(pk)
        country_of = {pk: PLACE_COUNTRIES[i] for i, pk in enumerate(countries)}
        parents = countries
        for kind, count in levels:
            taken: dict[int, set[str]] = {}
            created = []
            for _ in range(count):
                if kind == Location.Kind.REGION:
                    row = country_pick(rng)
                    parent = countries[PLACE_COUNTRIES.index(row)]
                else:
                    parent = rng.choice(parents)
                country = country_of[parent]
                pk = first + len(rows)
                name = self._place_name(taken.setdefault(parent, set()))
                rows.append((pk, name, kind, parent, country[0], None, None, "region"))
                country_of[pk] = country
                created.append(pk)
            parents = created
        districts = parents
        settlements: list[int] = []
        remaining = total - len(rows)
        taken = {}
        for index in range(max(0, remaining)):
            is_site = settlements and index % 20 == 19
            parent = rng.choice(settlements) if is_site else rng.choice(districts)
            country = country_of[parent]
            _, _, lat0, lat1, lon0, lon1, _ = country
            lat = round(rng.uniform(lat0, lat1), 6)
            lon = round(rng.uniform(lon0, lon1), 6)
            pk = first + len(rows)
            if is_site:
                name = f"{rng.choice(OBJECTS).split(' ', 1)[1].capitalize()} {index}"
                kind, precision = Location.Kind.SITE, rng.choice(["exact", "100m", "1km"])
            else:
                name = self._place_name(taken.setdefault(parent, set()))
                kind, precision = Location.Kind.SETTLEMENT, "settlement"
                settlements.append(pk)
            rows.append((pk, name, kind, parent, country[0], lat, lon, precision))
            country_of[pk] = country
            bounds[pk] = (lat, lon)
        # Claims happen mostly in settlements; a hot front (the first places) gets more.
        self.places = [row[0] for row in rows if row[2] in ("settlement", "site")]
        self.place_pick_cum = _cumulative(_zipf_weights(len(self.places), 0.6))
        self.place_names = {row[0]: row[1] for row in rows}
        day = dt.datetime(2022, 2, 24, tzinfo=dt.UTC)
        table = Table(
            Location,
            [
                "id",
                "name",
                "kind",
                "parent_id",
                "country",
                "latitude",
                "longitude",
                "precision",
                "uuid",
                "version",
                "created_at",
                "updated_at",
                "description",
            ],
        )
        written = table.write((*row, _uuid(rng), 1, day, day, "") for row in rows)
        self._count("locations", written)
        # COPY skips Location.save(), which keeps the places' closure: one statement.
        LocationAncestor.objects.rebuild()
        self.progress("places", written, total)

    # -- units: armed forces › districts/fleets › armies/corps › divisions/brigades › …

    def _units(self) -> None:
        rng, total = self.rng, self.plan.units
        first = _max_id(Unit) + 1
        rows: list[tuple] = []
        aliases: list[tuple] = []
        by_depth: dict[int, list[int]] = {}
        country_of: dict[int, str] = {}
        taken_top = set(Unit.objects.filter(parent=None).values_list("country", "name"))
        for code, adjective, _ in UNIT_COUNTRIES:
            name = f"Armed Forces ({adjective})"
            if (code, name) in taken_top:
                name = f"{name} synthetic"
            pk = first + len(rows)
            rows.append((pk, name, "", code, Unit.Echelon.ARMED_FORCES, "", None))
            by_depth.setdefault(1, []).append(pk)
            country_of[pk] = code
        country_weights = {code: weight for code, _, weight in UNIT_COUNTRIES}
        remaining = total - len(rows)
        counters: dict[int, int] = {}
        numbers: dict[tuple[str, str], int] = {}
        branches = list(BRANCH_LABELS)
        for depth in range(2, 7):
            count = (
                remaining - sum(len(by_depth.get(d, [])) for d in range(2, depth))
                if depth == 6
                else max(len(UNIT_COUNTRIES), round(remaining * DEPTH_SHARES[depth]))
            )
            above = by_depth[depth - 1]
            if depth == 2:
                parent_pick = Picker([(pk, country_weights[country_of[pk]]) for pk in above])
            for _ in range(max(0, count)):
                parent = parent_pick(rng) if depth == 2 else rng.choice(above)
                counters[parent] = counters.get(parent, 0) + 1
                echelon = rng.choice(DEPTH_ECHELONS[depth])
                branch = rng.choice(branches) if depth >= 3 else ""
                label = ECHELON_LABELS[echelon]
                if depth >= 4:
                    # Numbered per country and echelon, as real ORBATs are ("155th Brigade"):
                    # unique in the country, so unique under any parent.
                    key = (country_of[parent], echelon)
                    numbers[key] = numbers.get(key, 0) + 1
                    number = numbers[key]
                else:
                    number = counters[parent]
                if branch:
                    words, short = BRANCH_LABELS[branch]
                    name = f"{_ordinal(number)} {words} {label}"
                    abbreviation = f"{_ordinal(number)} {short}{label[0]}"
                else:
                    initials = "".join(word[0] for word in label.split())
                    name = f"{_ordinal(number)} {label}"
                    abbreviation = f"{_ordinal(number)} {initials}"
                pk = first + len(rows)
                country_of[pk] = country_of[parent]
                rows.append((pk, name, abbreviation, country_of[pk], echelon, branch, parent))
                by_depth.setdefault(depth, []).append(pk)
                if rng.random() < 0.15:
                    aliases.append((pk, f"{abbreviation} unit"))
        # Claims mostly name brigades, regiments and battalions; some are in the news a lot.
        named = [pk for depth in (4, 5, 6) for pk in by_depth.get(depth, [])]
        rng.shuffle(named)
        named = by_depth.get(3, []) + named
        self.units = named
        self.unit_pick_cum = _cumulative(_zipf_weights(len(named), 0.7))
        self.unit_names = {row[0]: row[1] for row in rows}
        self.top_units = by_depth[1]
        day = dt.datetime(2022, 2, 24, tzinfo=dt.UTC)
        table = Table(
            Unit,
            [
                "id",
                "name",
                "abbreviation",
                "country",
                "echelon",
                "branch",
                "parent_id",
                "uuid",
                "version",
                "created_at",
                "updated_at",
                "description",
            ],
        )
        written = table.write((*row, _uuid(rng), 1, day, day, "") for row in rows)
        alias_table = Table(UnitAlias, ["unit_id", "name"])
        self._count("units", written)
        self._count("unit aliases", alias_table.write(aliases))
        # COPY skips Unit.save(), which keeps the ORBAT closure: compute it in one statement.
        UnitAncestor.objects.rebuild()
        self.progress("units", written, total)

    # -- sources: organisations (some speaking for others) and their people

    def _sources(self) -> None:
        rng, total = self.rng, self.plan.sources
        first = _max_id(Source) + 1
        taken = set(Source.objects.values_list("name", flat=True))
        kind_pick = Picker([((kind, words), weight) for kind, words, weight in ORG_KINDS])
        reliability_pick = Picker(list(zip(RELIABILITY, RELIABILITY_WEIGHTS, strict=True)))
        country_pick = Picker(
            [("UA", 45), ("GB", 12), ("US", 18), ("RU", 10), ("KR", 5), ("DE", 5), ("FR", 5)]
        )

        def unique(name: str) -> str:
            candidate, number = name, 1
            while candidate in taken:
                number += 1
                candidate = f"{name} {number}"
            taken.add(candidate)
            return candidate

        organisations = max(4, round(total * 0.6))
        rows: list[tuple] = []
        aliases: list[tuple] = []
        self.root: list[int] = []  # affiliation root (source index) of each source
        governments: list[int] = []
        for index in range(total):
            pk = first + index
            reliability = reliability_pick(rng)
            if index < organisations:
                kind, words = kind_pick(rng)
                name = unique(
                    f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_WORDS)} {rng.choice(words)}"
                )
                affiliation, role, root = None, "", index
                if kind in (Source.Kind.INTELLIGENCE, Source.Kind.MILITARY) and governments:
                    # An intelligence service speaks for its government (GUR → MoD).
                    parent = rng.choice(governments)
                    affiliation, root = first + parent, self.root[parent]
                if kind == Source.Kind.GOVERNMENT:
                    governments.append(index)
                if rng.random() < 0.5:
                    aliases.append(
                        (pk, "".join(word[0] for word in name.split() if word[0].isupper()))
                    )
            else:
                kind = Source.Kind.PERSON
                parent = rng.randrange(organisations)
                name = unique(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
                affiliation, role, root = (
                    first + parent,
                    rng.choice(PERSON_ROLES),
                    self.root[parent],
                )
            self.root.append(root)
            slug = name.lower().replace(" ", "-")
            url = f"https://{slug}.{rng.choice(DOMAINS)}/" if kind != Source.Kind.PERSON else ""
            rows.append((pk, name, kind, country_pick(rng), reliability, affiliation, role, url))
        self.source_first = first
        self.source_reliability = [row[4] for row in rows]
        self.organisations = organisations
        self.people = list(range(organisations, total))
        # Big outlets publish most of what is cited.
        self.org_pick_cum = _cumulative(_zipf_weights(organisations, 0.9))
        day = dt.datetime(2022, 2, 24, tzinfo=dt.UTC)
        table = Table(
            Source,
            [
                "id",
                "name",
                "kind",
                "country",
                "reliability",
                "affiliation_id",
                "role",
                "url",
                "uuid",
                "version",
                "created_at",
                "updated_at",
                "description",
            ],
        )
        written = table.write((*row, _uuid(rng), 1, day, day, "") for row in rows)
        self._count("sources", written)
        self._count("source aliases", Table(SourceAlias, ["source_id", "name"]).write(aliases))
        self.progress("sources", written, total)

    # -- publications, their people and the citation graph between them

    def _words(self, count: int) -> str:
        """``count`` words, frequent ones more often: a slice of a pool drawn once (Zipf)."""
        start = int(self.rng.random() * (len(self.word_pool) - count))
        return " ".join(self.word_pool[start : start + count])

    def _publications(self) -> None:
        rng, total = self.rng, self.plan.publications
        self.vocabulary = COMMON + UNCOMMON
        self.vocabulary_cum = _cumulative(_zipf_weights(len(self.vocabulary), 0.9))
        self.word_pool = rng.choices(self.vocabulary, cum_weights=self.vocabulary_cum, k=200_000)
        first = _max_id(Publication) + 1
        kind_pick = Picker(PUBLICATION_KINDS)
        language_pick = Picker(LANGUAGES)
        marking_pick = Picker(MARKINGS)
        reference_pick = Picker(REFERENCE_KINDS)
        days = sorted(rng.randrange(SPAN_DAYS + 1) for _ in range(total))
        pubs = _Publications(
            first_id=first,
            days=array("i", days),
            source=array("i", [0]) * total,
            public=bytearray(total),
            cited=array("i", [-1]) * total,
            reference=bytearray(total),
            root=array("i", [0]) * total,
        )
        people: list[tuple] = []
        references: list[tuple] = []
        sharing: list[tuple] = []
        named: list[tuple] = []

        def rows() -> Iterator[tuple]:
            for index in range(total):
                pk = first + index
                kind = kind_pick(rng)
                if kind in (Publication.Kind.STATEMENT, Publication.Kind.SOCIAL_POST) and (
                    rng.random() < 0.3
                ):
                    source = rng.choice(self.people)
                else:
                    source = bisect_left(self.org_pick_cum, rng.random() * self.org_pick_cum[-1])
                pubs.source[index] = source
                pubs.root[index] = self.root[source]
                marking = marking_pick(rng)
                pubs.public[index] = marking in (Marking.CLEAR, Marking.GREEN)
                if marking in (Marking.AMBER, Marking.AMBER_STRICT):
                    sharing.append((pk, rng.choice(self.groups)))
                elif marking == Marking.RED:
                    named.append((pk, self.recipient))
                if kind == Publication.Kind.INTERVIEW:
                    person = rng.choice(self.people)
                    pubs.root[index] = self.root[person]
                    people.append((pk, self.source_first + person, "interviewed"))
                elif rng.random() < 0.15:
                    person = rng.choice(self.people)
                    people.append((pk, self.source_first + person, "quoted"))
                # A third of the publications cite an earlier one, most often a recent one.
                if index and rng.random() < 0.3:
                    target = max(0, index - 1 - int(rng.expovariate(1 / 400)))
                    reference = reference_pick(rng)
                    pubs.cited[index] = target
                    pubs.reference[index] = REFERENCE_KIND_NAMES.index(reference)
                    references.append((pk, first + target, reference, f"[{_randint(rng, 1, 40)}]"))
                day = _day(pubs.days[index])
                precision = "day" if rng.random() < 0.92 else "month"
                day = period_start(day, precision)
                title = f"{_sentence_case(rng.choice(ACTORS))} {rng.choice(VERBS)} {self._words(3)}"
                stamp = _stamp(day, rng, 1)
                yield (
                    pk,
                    self.source_first + source,
                    kind,
                    title[:500],
                    day,
                    precision,
                    f"https://news.{DOMAINS[index % 3]}/{day:%Y/%m}/{pk}",
                    language_pick(rng),
                    self._words(_randint(rng, 8, 20)),
                    marking,
                    _uuid(rng),
                    1,
                    stamp,
                    stamp,
                )

        table = Table(
            Publication,
            [
                "id",
                "source_id",
                "kind",
                "title",
                "published_on",
                "published_precision",
                "url",
                "language",
                "summary",
                "marking",
                "uuid",
                "version",
                "created_at",
                "updated_at",
            ],
        )
        written = table.write(rows())
        self.pubs = pubs
        self._count("publications", written)
        self._count(
            "publication people",
            Table(PublicationPerson, ["publication_id", "person_id", "role"]).write(people),
        )
        day = dt.datetime(2022, 2, 24, tzinfo=dt.UTC)
        self._count(
            "publication references",
            Table(
                PublicationReference,
                [
                    "citing_id",
                    "cited_id",
                    "kind",
                    "locator",
                    "note",
                    "uuid",
                    "version",
                    "created_at",
                    "updated_at",
                ],
            ).write((*row, "", _uuid(rng), 1, day, day) for row in references),
        )
        through = Publication.sharing_groups.through
        self._count(
            "publication sharing",
            Table(through, ["publication_id", "group_id"]).write(sharing),
        )
        named_through = Publication.shared_with.through
        self._count(
            "publication recipients",
            Table(named_through, ["publication_id", "user_id"]).write(named),
        )
        self.progress("publications", written, total)

    # -- claims and everything hanging off them, chunk by chunk

    def _claims(self) -> None:
        total = self.plan.claims
        first = _max_id(Claim) + 1
        tables = {
            "claims": Table(
                Claim,
                [
                    "id",
                    "uuid",
                    "version",
                    "created_at",
                    "updated_at",
                    "marking",
                    "title",
                    "statement",
                    "kind",
                    "occurred_start",
                    "occurred_end",
                    "occurred_precision",
                    "ongoing",
                    "status",
                    "confidence",
                    "notes",
                    "archived_at",
                    "best_grade",
                    "independent_lines",
                    "disputes",
                    "suggested_status",
                ],
            ),
            "citations": Table(
                Citation,
                [
                    "claim_id",
                    "publication_id",
                    "stance",
                    "excerpt",
                    "excerpt_language",
                    "translation",
                    "locator_page",
                    "locator_paragraph",
                    "locator_timestamp",
                    "locator_footnote",
                    "credibility",
                    "sensitivity",
                    "note",
                    "uuid",
                    "version",
                    "created_at",
                    "updated_at",
                ],
            ),
            "unit involvements": Table(
                UnitInvolvement,
                [
                    "claim_id",
                    "unit_id",
                    "role",
                    "attributed_by_id",
                    "note",
                    "uuid",
                    "version",
                    "created_at",
                    "updated_at",
                ],
            ),
            "claim topics": Table(Claim.topics.through, ["claim_id", "topic_id"]),
            "claim places": Table(Claim.locations.through, ["claim_id", "location_id"]),
            "claim sharing": Table(Claim.sharing_groups.through, ["claim_id", "group_id"]),
            "claim recipients": Table(Claim.shared_with.through, ["claim_id", "user_id"]),
            "quantities": Table(
                Quantity,
                ["claim_id", "measure", "low", "high", "unit_of_measure", "approximate", "note"],
            ),
            "claim relations": Table(
                ClaimRelation,
                [
                    "from_claim_id",
                    "to_claim_id",
                    "kind",
                    "note",
                    "uuid",
                    "version",
                    "created_at",
                    "updated_at",
                ],
            ),
        }

        def write(batch: dict[str, list[tuple]], done: int) -> None:
            with transaction.atomic():
                for name, table in tables.items():
                    self._count(name, table.write(batch[name]))
            self.progress("claims", done, total)

        # Outside a transaction, a second thread writes chunk k (on its own connection) while
        # this one generates chunk k + 1: PostgreSQL and Python each keep one core busy.
        # Inside one (tests), its rows must go through the caller's connection: one thread.
        pipelined = not connection.in_atomic_block
        rebuild = self.rebuild_indexes
        if rebuild is None:
            rebuild = total >= REBUILD_FROM and not connection.in_atomic_block
        saved = _drop_secondary([t.model for t in tables.values()][:5]) if rebuild else []
        try:
            with ThreadPoolExecutor(max_workers=1) as writer:
                pending = None
                done = 0
                while done < total:
                    size = min(self.chunk, total - done)
                    batch = self._claim_chunk(first + done, size)
                    done += size
                    if not pipelined:
                        write(batch, done)
                        continue
                    if pending is not None:
                        pending.result()
                    pending = writer.submit(_in_session, write, batch, done)
                if pending is not None:
                    pending.result()
                if pipelined:
                    writer.submit(_close_connection).result()
        finally:
            if saved:
                self.progress("indexes", 0, len(saved))
                _restore_secondary(saved, lambda done: self.progress("indexes", done, len(saved)))

    def _claim_chunk(self, first: int, size: int) -> dict[str, list[tuple]]:
        """The rows of ``size`` claims from id ``first`` on, with everything linked to them."""
        rng, pubs = self.rng, self.pubs
        kind_pick = Picker(CLAIM_KINDS)
        status_pick = Picker(CLAIM_STATUSES)
        confidence_pick = Picker(CONFIDENCES)
        precision_pick = Picker(PRECISIONS)
        marking_pick = Picker(MARKINGS)
        stance_pick = Picker(STANCES)
        role_pick = Picker(ROLES)
        credibility_pick = Picker(list(zip(range(1, 7), CREDIBILITY_WEIGHTS, strict=True)))
        out: dict[str, list[tuple]] = {
            name: []
            for name in (
                "claims",
                "citations",
                "unit involvements",
                "claim topics",
                "claim places",
                "claim sharing",
                "claim recipients",
                "quantities",
                "claim relations",
            )
        }
        n_pubs = len(pubs.days)
        units, unit_cum = self.units, self.unit_pick_cum
        places, place_cum = self.places, self.place_pick_cum
        for pk in range(first, first + size):
            kind = kind_pick(rng)
            precision = precision_pick(rng)
            if rng.random() < 0.03:
                start = end = None
                ongoing, day = False, _day(rng.randrange(SPAN_DAYS))
            else:
                day = _day(rng.randrange(SPAN_DAYS - 30))
                start = period_start(day, precision)
                ongoing = rng.random() < 0.04
                end = None if ongoing else period_end(start, precision)
                if end and rng.random() < 0.08:
                    end = period_end(
                        min(LAST_DAY, end + dt.timedelta(days=_randint(rng, 1, 90))), precision
                    )
            created = _stamp(day, rng, _randint(rng, 0, 20))
            updated = created + dt.timedelta(hours=_randint(rng, 0, 2000))
            if updated.date() > LAST_DAY:
                updated = created
            marking = marking_pick(rng)
            if marking in (Marking.AMBER, Marking.AMBER_STRICT):
                out["claim sharing"].append((pk, rng.choice(self.groups)))
            elif marking == Marking.RED:
                out["claim recipients"].append((pk, self.recipient))
            # Units and places named in the text, and linked.
            n_units = rng.choices(*INVOLVEMENTS_PER_CLAIM)[0]
            involved = set()
            while len(involved) < min(n_units, len(units)):
                involved.add(units[bisect_left(unit_cum, rng.random() * unit_cum[-1])])
            involved = sorted(involved)
            for unit in involved:
                role = role_pick(rng)
                attributed_by = (
                    self.source_first
                    + bisect_left(self.org_pick_cum, rng.random() * self.org_pick_cum[-1])
                    if role == UnitInvolvement.Role.ATTRIBUTED
                    else None
                )
                out["unit involvements"].append(
                    (pk, unit, role, attributed_by, "", _uuid(rng), 1, created, created)
                )
            place = places[bisect_left(place_cum, rng.random() * place_cum[-1])]
            out["claim places"].append((pk, place))
            if rng.random() < 0.2:
                other = rng.choice(places)
                if other != place:
                    out["claim places"].append((pk, other))
            for topic in {self.topic_pick(rng) for _ in range(rng.choice((1, 1, 2, 2, 3)))}:
                out["claim topics"].append((pk, topic))
            place_name = self.place_names[place]
            unit_name = self.unit_names[involved[0]] if involved else rng.choice(ACTORS)
            title = f"{_sentence_case(rng.choice(ACTORS))} {rng.choice(VERBS)} {place_name}"
            words = self._words(_randint(rng, 6, 14))
            statement = (
                f"{unit_name} {rng.choice(VERBS)} {place_name}, {words}. "
                f"{_sentence_case(rng.choice(ACTORS))} {rng.choice(VERBS)} {rng.choice(OBJECTS)}; "
                f"{self._words(_randint(rng, 8, 22))}."
            )
            if kind == Claim.Kind.STATISTIC:
                low = _randint(rng, 1, 500)
                high = low + _randint(rng, 0, 50) if rng.random() < 0.3 else None
                out["quantities"].append(
                    (
                        pk,
                        rng.choice(["victims", "drones", "casualties", "strikes"]),
                        low,
                        high,
                        "",
                        rng.random() < 0.4,
                        "",
                    )
                )
            if pk > first and rng.random() < 0.05:
                relation = rng.choice(["supports", "contradicts", "refines", "duplicates"])
                out["claim relations"].append(
                    (
                        pk,
                        pk - _randint(rng, 1, min(500, pk - first)),
                        relation,
                        "",
                        _uuid(rng),
                        1,
                        created,
                        created,
                    )
                )
            # Evidence: publications from around the time it happened (or was reported).
            anchor = bisect_left(pubs.days, (day - FIRST_DAY).days)
            n_cites = rng.choices(*CITATIONS_PER_CLAIM)[0]
            chosen: set[int] = set()
            while len(chosen) < min(n_cites, n_pubs):
                index = anchor + int(rng.gauss(0, 150))
                chosen.add(min(n_pubs - 1, max(0, index)))
            supports: dict[int, int] = {}  # publication index -> best credibility
            disputes = 0
            for index in sorted(chosen):
                stance = stance_pick(rng)
                credibility = credibility_pick(rng)
                if pubs.public[index]:
                    if stance == Citation.Stance.SUPPORTS:
                        supports[index] = min(credibility, supports.get(index, 9))
                    elif stance == Citation.Stance.DISPUTES:
                        disputes += 1
                timestamp = (
                    dt.timedelta(seconds=_randint(rng, 0, 3600)) if rng.random() < 0.05 else None
                )
                out["citations"].append(
                    (
                        pk,
                        pubs.first_id + index,
                        stance,
                        self._words(_randint(rng, 10, 25)),
                        "en",
                        "",
                        str(_randint(rng, 1, 30)) if rng.random() < 0.2 else "",
                        _randint(rng, 1, 40) if rng.random() < 0.5 else None,
                        timestamp,
                        str(_randint(rng, 1, 40)) if rng.random() < 0.3 else "",
                        credibility,
                        Sensitivity.GRAPHIC_VIOLENCE if rng.random() < 0.03 else Sensitivity.NONE,
                        "",
                        _uuid(rng),
                        1,
                        created,
                        created,
                    )
                )
            summary = self._corroboration(supports, disputes)
            archived = created if rng.random() < 0.005 else None
            out["claims"].append(
                (
                    pk,
                    _uuid(rng),
                    1,
                    created,
                    updated,
                    marking,
                    title[:200],
                    statement,
                    kind,
                    start,
                    end,
                    precision,
                    ongoing,
                    status_pick(rng),
                    confidence_pick(rng),
                    "" if rng.random() < 0.8 else self._words(10),
                    archived,
                    summary.best_grade,
                    summary.independent_lines,
                    summary.disputes,
                    summary.suggested_status,
                )
            )
        return out

    def _references(self, index: int) -> tuple[tuple[int, str], ...]:
        """The reference publication ``index`` makes (at most one here): ``(cited, kind)``."""
        cited = self.pubs.cited[index]
        if cited < 0:
            return ()
        return ((cited, REFERENCE_KIND_NAMES[self.pubs.reference[index]]),)

    def _roots(self, index: int) -> tuple[int]:
        """The affiliation root of whoever speaks in publication ``index``."""
        return (self.pubs.root[index],)

    def _reach(self, index: int) -> dict[int, tuple[int, str] | None]:
        """Publications ``index`` echoes, itself first."""
        return echo_reach(index, self._references, self._roots)

    def _corroboration(self, supports: dict[int, int], disputes: int) -> Corroboration:
        """The stored fields of a claim from its supporting publications (index -> best
        credibility) and disputes, by ``claims.corroboration`` on the generated graph."""
        pubs, reliability = self.pubs, self.source_reliability
        # Sorted by index is publication date order, as the engine reads them.
        grades = {i: f"{reliability[pubs.source[i]]}{supports[i]}" for i in sorted(supports)}
        return corroborate(grades, disputes, self._reach, self._roots)

    # -- after loading

    def _finish(self) -> None:
        """Move every sequence past the ids written here, then refresh planner statistics."""
        domain = [
            Location,
            Unit,
            UnitAlias,
            Source,
            SourceAlias,
            Publication,
            PublicationPerson,
            PublicationReference,
            Claim,
            Citation,
            UnitInvolvement,
            Quantity,
            ClaimRelation,
        ]
        statements = connection.ops.sequence_reset_sql(no_style(), domain)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            # Fresh statistics, or the planner guesses on empty tables.
            cursor.execute("ANALYZE")
        self.progress("analyze", 1, 1)


def generate(
    claims: int = DEFAULT_CLAIMS,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    chunk: int = CHUNK_CLAIMS,
    rebuild_indexes: bool | None = None,
) -> dict[str, int]:
    """Fill the (empty) PostgreSQL database with ``claims`` synthetic claims and their world.

    ``rebuild_indexes``: drop and rebuild the claim tables' secondary indexes and constraints
    around the load (default: from ``REBUILD_FROM`` claims on, outside a transaction).
    """
    if claims < 1:
        raise ValueError("Generate at least one claim.")
    generator = Generator(
        claims, seed, progress=progress, chunk=chunk, rebuild_indexes=rebuild_indexes
    )
    return generator.run()


__all__ = ["DEFAULT_CLAIMS", "DEFAULT_SEED", "Plan", "generate"]
