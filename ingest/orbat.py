"""The ORBAT notation of think-tank reports, read into unit proposals with their hierarchy.

"the 10th Tank Regiment (3rd Motorized Rifle Division, 20th Combined Arms Army [CAA], Moscow
Military District [MMD])" is regiment → division → army → district: each item in the
parentheses is the parent of the one before. "a “Storm” penal detachment of the 30th Motorized
Rifle Brigade" is a detachment under the brigade. Generic formations ("North Korean forces",
"Russian naval infantry", "airborne (VDV) units") map to one canonical formation each.
"""

import itertools
import re
from dataclasses import dataclass, field

from units.models import UnitBranch, UnitEchelon

# Echelon words, longest first so "Military District" wins over a bare "District".
ECHELON_WORDS: tuple[tuple[str, str], ...] = (
    ("military district", UnitEchelon.MILITARY_DISTRICT),
    ("group of forces", UnitEchelon.GROUP_OF_FORCES),
    ("army corps", UnitEchelon.CORPS),
    ("flotilla", UnitEchelon.FLEET),
    ("fleet", UnitEchelon.FLEET),
    ("corps", UnitEchelon.CORPS),
    ("army", UnitEchelon.ARMY),
    ("division", UnitEchelon.DIVISION),
    ("brigade", UnitEchelon.BRIGADE),
    ("regiment", UnitEchelon.REGIMENT),
    ("battalion", UnitEchelon.BATTALION),
    ("detachment", UnitEchelon.DETACHMENT),
    ("company", UnitEchelon.COMPANY),
    ("platoon", UnitEchelon.PLATOON),
)

# Words in a unit's name that give its branch, in order of precedence.
BRANCH_WORDS: tuple[tuple[str, str], ...] = (
    ("motorized rifle", UnitBranch.MOTORIZED_RIFLE),
    ("motor rifle", UnitBranch.MOTORIZED_RIFLE),
    ("naval infantry", UnitBranch.NAVAL_INFANTRY),
    ("marine", UnitBranch.NAVAL_INFANTRY),
    ("air assault", UnitBranch.AIR_ASSAULT),
    ("airborne", UnitBranch.AIRBORNE),
    ("vdv", UnitBranch.AIRBORNE),
    ("combined arms", UnitBranch.COMBINED_ARMS),
    ("tank", UnitBranch.TANK),
    ("artillery", UnitBranch.ARTILLERY),
    ("missile", UnitBranch.MISSILE),
    ("special", UnitBranch.SPECIAL_FORCES),
    ("spetsnaz", UnitBranch.SPECIAL_FORCES),
    ("penal", UnitBranch.PENAL),
    ("storm", UnitBranch.PENAL),
    ("unmanned", UnitBranch.DRONE),
    ("drone", UnitBranch.DRONE),
    ("fleet", UnitBranch.NAVY),
    ("flotilla", UnitBranch.NAVY),
)

# Adjectives of nationality before a unit name: they give the country, not the name.
NATIONALITIES: tuple[tuple[str, str], ...] = (
    ("North Korean", "KP"),
    ("Russian", "RU"),
    ("Ukrainian", "UA"),
    ("Belarusian", "BY"),
)
DEFAULT_COUNTRY = "RU"  # ISW's ORBAT notation describes Russian formations

_ECHELON = "|".join(re.escape(word.title()).replace("Of", "of") for word, _e in ECHELON_WORDS)
_WORD = r"[A-Z][\w’'\-]*"
# A unit's name: an optional ordinal ("30th"), capitalised words, an echelon word.
UNIT_NAME = rf"(?:\d{{1,4}}(?:st|nd|rd|th)\s+)?(?:{_WORD}\s+){{0,5}}?(?:{_ECHELON})\b"
UNIT_NAME_RE = re.compile(UNIT_NAME)
ORBAT_GROUP = re.compile(rf"(?P<head>{UNIT_NAME})\s*\((?P<items>[^()]+)\)")
ORBAT_ITEM = re.compile(rf"^\s*(?P<name>{UNIT_NAME})\s*(?:\[(?P<abbr>[^\]]+)\])?\s*$")
SUBUNIT_OF = re.compile(
    r"[“\"‘](?P<name>[A-Z][\w\-]*)[”\"’]\s+"
    r"(?P<kind>(?:(?:penal|assault|special|storm)\s+)*(?:detachment|company|battalion|group))"
    rf"\s+of\s+the\s+(?P<parent>{UNIT_NAME})"
)
# Short forms ISW writes after the first full mention ("the 20th CAA", "the 83rd VDV Brigade" is
# caught by the full-name pattern already): proposed under their full names.
SHORT_FORMS = {
    "MRB": "Motorized Rifle Brigade",
    "MRR": "Motorized Rifle Regiment",
    "MRD": "Motorized Rifle Division",
    "CAA": "Combined Arms Army",
    "TA": "Tank Army",
    "TD": "Tank Division",
    "TR": "Tank Regiment",
    "AC": "Army Corps",
    "NIB": "Naval Infantry Brigade",
    "AAD": "Air Assault Division",
    "AAR": "Air Assault Regiment",
    "AAB": "Air Assault Brigade",
}
SHORT_FORM = re.compile(rf"\b(\d{{1,4}}(?:st|nd|rd|th))\s+({'|'.join(SHORT_FORMS)})\b")
# A bracketed abbreviation inside ORBAT notation ("[CAA]"): it abbreviates the type of the
# formation before it, so the gazetteer must not read it as a name of its own.
BRACKETED_ABBREVIATION = re.compile(r"\[[A-Za-z][A-Za-z .]*\]")


@dataclass
class UnitSpec:
    """A unit as the text describes it (not yet matched with the database)."""

    name: str
    echelon: str
    branch: str = ""
    country: str = DEFAULT_COUNTRY
    abbreviation: str = ""
    aliases: list[str] = field(default_factory=list)
    parent: str | None = None  # the parent's name as the text gives it
    surface: list[str] = field(default_factory=list)  # other phrases that name it in the text


@dataclass(frozen=True)
class Generic:
    """A formation reports name only generically, and its canonical record."""

    pattern: re.Pattern[str]
    spec: UnitSpec


GENERIC_FORMATIONS: tuple[Generic, ...] = (
    Generic(
        re.compile(
            r"\b(?:North Korean|DPRK)\s+(?:forces|troops|soldiers|personnel|military)\b", re.I
        ),
        UnitSpec(
            "Korean People's Army",
            UnitEchelon.ARMED_FORCES,
            country="KP",
            abbreviation="KPA",
            aliases=["North Korean forces", "DPRK forces"],
        ),
    ),
    Generic(
        re.compile(r"\bRussian\s+naval\s+infantry\b", re.I),
        UnitSpec(
            "Russian Naval Infantry",
            UnitEchelon.SERVICE,
            branch=UnitBranch.NAVAL_INFANTRY,
            aliases=["Russian naval infantry"],
        ),
    ),
    Generic(
        re.compile(r"\b(?:airborne\s+\(VDV\)|Russian\s+Airborne\s+Forces|VDV)\b", re.I),
        UnitSpec(
            "Russian Airborne Forces (VDV)",
            UnitEchelon.SERVICE,
            branch=UnitBranch.AIRBORNE,
            abbreviation="VDV",
            aliases=["Russian Airborne Forces"],
        ),
    ),
)


def echelon_of(name: str) -> str:
    """The echelon named by the last words of a unit's name."""
    lowered = name.lower()
    for word, echelon in ECHELON_WORDS:
        if lowered.endswith(word):
            return echelon
    return UnitEchelon.OTHER


def branch_of(name: str) -> str:
    """The branch a unit's name names, or "" when it names none."""
    lowered = name.lower()
    for word, branch in BRANCH_WORDS:
        if re.search(rf"\b{word}\b", lowered):
            return branch
    return ""


def split_nationality(name: str) -> tuple[str, str | None]:
    """("155th Naval Infantry Brigade", "RU") for "Russian 155th Naval Infantry Brigade"."""
    name = re.sub(r"^(?:The|the)\s+", "", name.strip())
    for adjective, country in NATIONALITIES:
        if name.startswith(adjective + " "):
            return name[len(adjective) + 1 :], country
    return name, None


def derived_abbreviation(name: str, bracket: str = "") -> tuple[str, list[str]]:
    """The abbreviation and aliases of a name as reports shorten it.

    "20th Combined Arms Army" with "[CAA]" gives "20th CAA" (alias "CAA", as written);
    "30th Motorized Rifle Brigade" gives "30th MRB"; "Moscow Military District [MMD]" "MMD".
    """
    match = re.match(r"(\d{1,4}(?:st|nd|rd|th))\s+(.+)$", name)
    if bracket:
        if match and not bracket[0].isdigit():
            return f"{match.group(1)} {bracket}", [bracket]
        return bracket, []
    if match:
        words = [w for w in match.group(2).split() if w.lower() not in {"of", "the"}]
        if len(words) >= 2:
            return f"{match.group(1)} {''.join(w[0].upper() for w in words)}", []
    return "", []


def spec_from_name(text: str, bracket: str = "", country: str | None = None) -> UnitSpec:
    """A UnitSpec from a unit's name as written (nationality adjectives removed)."""
    name, stated = split_nationality(text)
    name = re.sub(r"\s+", " ", name)
    abbreviation, aliases = derived_abbreviation(name, bracket.strip())
    return UnitSpec(
        name=name,
        echelon=echelon_of(name),
        branch=branch_of(name),
        country=stated or country or DEFAULT_COUNTRY,
        abbreviation=abbreviation,
        aliases=aliases,
    )


def _plausible(name: str) -> bool:
    """A bare echelon word ("Army officials") or a sentence's first word is not a unit."""
    name, _country = split_nationality(name)
    return len(name.split()) >= 2


def read_units(sentence: str) -> list[UnitSpec]:
    """Every unit ``sentence`` describes, with the parent its notation gives (top last)."""
    specs: list[UnitSpec] = []
    covered: list[tuple[int, int]] = []
    for group in ORBAT_GROUP.finditer(sentence):
        read = [ORBAT_ITEM.match(item) for item in group.group("items").split(",")]
        items = [item for item in read if item is not None]
        if not items or len(items) < len(read) or not _plausible(group.group("head")):
            continue
        head = spec_from_name(group.group("head"))
        chain = [head] + [
            spec_from_name(item.group("name"), item.group("abbr") or "", head.country)
            for item in items
        ]
        for child, parent in itertools.pairwise(chain):
            child.parent = parent.name
        specs.extend(chain)
        covered.append(group.span())
    for match in SUBUNIT_OF.finditer(sentence):
        parent = spec_from_name(match.group("parent"))
        kind = re.sub(r"\s+", " ", match.group("kind").lower())
        detachment = UnitSpec(
            name=f"{match.group('name')} {kind}",
            echelon=echelon_of(kind),
            branch=branch_of(f"{match.group('name')} {kind}"),
            country=parent.country,
            aliases=[f"{match.group('name')} {kind.split()[-1]}"],
            parent=parent.name,
        )
        specs.extend([detachment, parent])
    for match in UNIT_NAME_RE.finditer(sentence):
        if any(start <= match.start() < end for start, end in covered):
            continue
        if _plausible(match.group()):
            specs.append(spec_from_name(match.group()))
    for match in SHORT_FORM.finditer(sentence):
        ordinal, short = match.groups()
        spec = spec_from_name(f"{ordinal} {SHORT_FORMS[short]}")
        spec.abbreviation = match.group()
        specs.append(spec)
    for generic in GENERIC_FORMATIONS:
        for match in generic.pattern.finditer(sentence):
            spec = UnitSpec(**{**generic.spec.__dict__, "aliases": list(generic.spec.aliases)})
            spec.surface = [match.group()]
            specs.append(spec)
    return specs


def mask_bracketed(sentence: str) -> str:
    """``sentence`` with ORBAT bracket abbreviations blanked (same length, same offsets)."""
    return BRACKETED_ABBREVIATION.sub(lambda m: " " * len(m.group()), sentence)
