"""Dates as reports write them ("on February 20", "in October 2024", "since Fall 2024"),
resolved against the report's date into fuzzy dates (``core.dates``: a period + precision)."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from core.choices import DatePrecision
from core.dates import period_end, period_start, season_start

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_LEAD = r"(?:(?P<lead>since|in|on|during|by|from|until|as of)\s+)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_SEASON = r"(?P<season>spring|summer|fall|autumn|winter)"

# Most specific first: a day beats a month beats a season beats a bare year.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        DatePrecision.DAY,
        re.compile(rf"\b{_LEAD}{_MONTH}\s+(?P<day>\d{{1,2}})(?!\d)(?:,?\s+{_YEAR})?\b", re.I),
    ),
    (
        DatePrecision.DAY,
        re.compile(rf"\b{_LEAD}(?P<day>\d{{1,2}})\s+{_MONTH}(?:,?\s+{_YEAR})?\b", re.I),
    ),
    (DatePrecision.MONTH, re.compile(rf"\b{_LEAD}{_MONTH}(?:\s+of)?\s+{_YEAR}\b", re.I)),
    # "in January": the latest January not after the report.
    (
        DatePrecision.MONTH,
        re.compile(rf"\b(?P<lead>since|in|during|by|until)\s+{_MONTH}\b(?!\s+\d)", re.I),
    ),
    (
        DatePrecision.SEASON,
        re.compile(rf"\b{_LEAD}(?:the\s+)?{_SEASON}(?:\s+of)?\s+{_YEAR}\b", re.I),
    ),
    (DatePrecision.YEAR, re.compile(rf"\b(?P<lead>since|in|during|by|until)\s+{_YEAR}\b", re.I)),
)


@dataclass
class DateMention:
    """A date in the text: the period it names, its precision and whether it is ongoing."""

    text: str
    start: int
    end: int
    date: dt.date
    precision: str
    ongoing: bool = False

    @property
    def last_day(self) -> dt.date:
        """The last day of the period named."""
        return period_end(self.date, self.precision)

    def as_dict(self) -> dict[str, Any]:
        """The mention as JSON."""
        return {
            "text": self.text,
            "start": self.date.isoformat(),
            "end": None if self.ongoing else self.last_day.isoformat(),
            "precision": str(self.precision),
            "ongoing": self.ongoing,
        }


def _year_for(month: int, day: int, report_date: dt.date) -> int:
    """A date written without its year is the latest one not after the report."""
    year = report_date.year
    try:
        candidate = dt.date(year, month, day)
    except ValueError:
        return year
    return year if candidate <= report_date else year - 1


def _resolve(precision: str, match: re.Match[str], report_date: dt.date) -> dt.date | None:
    """The first day of the period ``match`` names (None for an impossible day)."""
    groups = match.groupdict()
    # The season and year patterns require a year; the others may leave it out.
    if precision == DatePrecision.SEASON:
        return season_start(groups["season"], int(groups["year"]))
    if precision == DatePrecision.YEAR:
        return dt.date(int(groups["year"]), 1, 1)
    year = int(groups["year"]) if groups.get("year") else None
    month = MONTHS[groups["month"].lower()]
    if precision == DatePrecision.MONTH:
        return dt.date(year or _year_for(month, 1, report_date), month, 1)
    day = int(groups["day"])
    try:
        return dt.date(year or _year_for(month, day, report_date), month, day)
    except ValueError:  # "February 30": not a date
        return None


def find_dates(text: str, report_date: dt.date) -> list[DateMention]:
    """Every date in ``text``, most specific reading first where readings overlap."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for precision, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            # "May" is also a verb: only "in May 2024" or "May 20" read as dates.
            if (match.groupdict().get("month") or "").lower() == "may" and match.group(
                "month"
            ) == "may":
                continue
            try:
                day = _resolve(precision, match, report_date)
            except ValueError:  # a year before 1 or after 9999 around an odd report date
                continue
            if day is None:
                continue
            lead = (match.group("lead") or "").lower()
            found.append(
                DateMention(
                    text=match.group().strip(),
                    start=match.start(),
                    end=match.end(),
                    date=period_start(day, precision),
                    precision=precision,
                    ongoing=lead == "since",
                )
            )
            taken.append(match.span())
    return sorted(found, key=lambda mention: mention.start)
