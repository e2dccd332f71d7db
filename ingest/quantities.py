"""Numbers with what they count or measure ("43 executions", "500 to 1,500 meter margin of
error"), as proposals for the Quantity model (measure, low, high, unit of measure, about)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "fifty": 50,
    "hundred": 100,
}
# Physical units, as written → as stored in Quantity.unit_of_measure.
UNITS_OF_MEASURE = {
    "meter": "m",
    "meters": "m",
    "metre": "m",
    "metres": "m",
    "m": "m",
    "kilometer": "km",
    "kilometers": "km",
    "kilometre": "km",
    "kilometres": "km",
    "km": "km",
    "kilograms": "kg",
    "kilogram": "kg",
    "kg": "kg",
    "tons": "t",
    "tonnes": "t",
    "percent": "%",
    "%": "%",
    "miles": "mi",
    "mile": "mi",
}
APPROXIMATE = {"roughly", "about", "approximately", "around", "some", "nearly", "almost", "up"}
# Words that end the phrase naming what is counted.
STOP_WORDS = {
    "with",
    "in",
    "to",
    "and",
    "or",
    "of",
    "have",
    "has",
    "had",
    "are",
    "is",
    "was",
    "were",
    "be",
    "been",
    "on",
    "at",
    "for",
    "from",
    "that",
    "who",
    "which",
    "since",
    "by",
    "as",
    "near",
    "into",
    "than",
    "per",
}

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")"
# A number or a range ("500 to 1,500", "10-15"), not part of a word ("KN-23", "30th", "[12]").
QUANTITY = re.compile(
    rf"(?<![\w\-\[.,])(?P<low>{_NUM})(?:\s*(?:to|–|-)\s*(?P<high>{_NUM}))?(?![\w\]]|,\d|\.\d)",
    re.I,
)
WORD = re.compile(r"[A-Za-z%][\w’'\-]*|%")


@dataclass
class QuantityMention:
    """A number and what it counts, ready to become a Quantity."""

    text: str
    start: int
    end: int
    measure: str
    low: Decimal
    high: Decimal | None = None
    unit_of_measure: str = ""
    approximate: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The proposal as JSON (numbers as strings, as the API writes decimals)."""
        return {
            "text": self.text,
            "measure": self.measure,
            "low": str(self.low),
            "high": None if self.high is None else str(self.high),
            "unit_of_measure": self.unit_of_measure,
            "approximate": self.approximate,
        }


def _number(text: str) -> Decimal:
    return Decimal(NUMBER_WORDS.get(text.lower(), text.replace(",", "")))


def _measure(rest: str) -> tuple[str, str, int]:
    """(unit of measure, what is measured, characters read) from the words after a number."""
    words = list(WORD.finditer(rest[:80]))
    unit = ""
    index = 0
    if words and rest[: words[0].start()].strip() == "":
        first = words[0].group().lower()
        if first in UNITS_OF_MEASURE:
            unit = UNITS_OF_MEASURE[first]
            index = 1
        # "30 of these instances": what is counted comes after "of these".
        elif first == "of" and len(words) > 2 and words[1].group().lower() in {"these", "the"}:
            index = 2
    taken: list[str] = []
    end = words[index - 1].end() if index else 0
    for word in words[index : index + 4]:
        between = rest[end : word.start()]
        lowered = word.group().lower()
        # "margin of error": "of" joins a phrase already begun, it does not start one.
        if between.strip() or (lowered in STOP_WORDS and not (lowered == "of" and taken)):
            break
        taken.append(word.group())
        end = word.end()
    while taken and taken[-1].lower() == "of":
        taken.pop()
    return unit, " ".join(taken), end


def find_quantities(text: str, masked: Sequence[tuple[int, int]] = ()) -> list[QuantityMention]:
    """Numbers in ``text`` outside ``masked`` spans (dates, footnotes, unit names)."""
    found = []
    for match in QUANTITY.finditer(text):
        if any(start <= match.start() < end for start, end in masked):
            continue
        low = match.group("low")
        if low.lower() in NUMBER_WORDS and not re.search(r"\d", low) and low.lower() == "hundred":
            continue
        unit, measure, read = _measure(text[match.end() :])
        if not measure and not unit:
            continue
        before = text[: match.start()].split()
        high = _number(match.group("high")) if match.group("high") else None
        low_value = _number(low)
        if high is not None and high < low_value:
            continue
        found.append(
            QuantityMention(
                text=text[match.start() : match.end() + read].strip(),
                start=match.start(),
                end=match.end() + read,
                measure=measure or unit,
                low=low_value,
                high=high,
                unit_of_measure=unit,
                approximate=bool(before) and before[-1].lower() in APPROXIMATE,
            )
        )
    return found
