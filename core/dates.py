"""Fuzzy dates: a date plus a precision (day, month, season, year) as reporting gives them.

A fuzzy date is stored as the first day of its period; ``period_bounds`` gives the last day so
that range filters ("occurred before 1 Nov 2024") compare whole periods. Seasons are the
meteorological ones of the northern hemisphere; winter belongs to the year of its December.
"""

import calendar
import datetime as dt

from .choices import DatePrecision

SEASON_START_MONTHS = {"winter": 12, "spring": 3, "summer": 6, "fall": 9}
SEASON_NAMES = {
    12: "Winter",
    1: "Winter",
    2: "Winter",
    3: "Spring",
    4: "Spring",
    5: "Spring",
    6: "Summer",
    7: "Summer",
    8: "Summer",
    9: "Fall",
    10: "Fall",
    11: "Fall",
}


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_start(day: dt.date, precision: str) -> dt.date:
    """Normalise ``day`` to the first day of its period at ``precision``."""
    if precision == DatePrecision.DAY:
        return day
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    if precision == DatePrecision.SEASON:
        # December starts winter of its own year; January and February belong to the
        # winter that started the December before.
        start_month = {12: 12, 1: 12, 2: 12}.get(day.month, ((day.month - 3) // 3) * 3 + 3)
        year = day.year - 1 if day.month in (1, 2) else day.year
        return dt.date(year, start_month, 1)
    if precision == DatePrecision.YEAR:
        return dt.date(day.year, 1, 1)
    raise ValueError(f"Unknown date precision {precision!r}")


def period_end(day: dt.date, precision: str) -> dt.date:
    """The last day of the period that ``day`` starts at ``precision``."""
    start = period_start(day, precision)
    if precision == DatePrecision.DAY:
        return start
    if precision == DatePrecision.MONTH:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if precision == DatePrecision.SEASON:
        return _add_months(start, 3) - dt.timedelta(days=1)
    return dt.date(start.year, 12, 31)


# English month names, as the app writes dates everywhere. Not ``strftime``: it follows the
# process locale, and it was slow enough to show in a page of claims' time.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAY, _MONTH, _SEASON = DatePrecision.DAY.value, DatePrecision.MONTH.value, DatePrecision.SEASON


def format_date(day: dt.date | None, precision: str) -> str:
    """Render a fuzzy date the way analysts write it: "20 Feb 2025", "October 2024", "Fall 2024"."""
    if day is None:
        return ""
    if precision == _DAY:
        return f"{day.day} {MONTH_NAMES[day.month - 1][:3]} {day.year}"
    if precision == _MONTH:
        return f"{MONTH_NAMES[day.month - 1]} {day.year}"
    if precision == _SEASON:
        start = period_start(day, precision)
        return f"{SEASON_NAMES[start.month]} {start.year}"
    return str(day.year)


def season_start(name: str, year: int) -> dt.date:
    """First day of a named season ("fall", "autumn", "winter"…) of ``year``."""
    key = {"autumn": "fall"}.get(name.lower(), name.lower())
    return dt.date(year, SEASON_START_MONTHS[key], 1)
