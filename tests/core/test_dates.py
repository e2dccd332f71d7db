"""Fuzzy dates: periods and their display."""

import datetime as dt

import pytest

from core.dates import format_date, period_end, period_start, season_start


@pytest.mark.parametrize(
    ("day", "precision", "start", "end"),
    [
        (dt.date(2025, 2, 20), "day", dt.date(2025, 2, 20), dt.date(2025, 2, 20)),
        (dt.date(2024, 10, 17), "month", dt.date(2024, 10, 1), dt.date(2024, 10, 31)),
        (dt.date(2024, 2, 10), "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        (dt.date(2024, 10, 5), "season", dt.date(2024, 9, 1), dt.date(2024, 11, 30)),
        # Winter starts in December and belongs to that December's year.
        (dt.date(2025, 1, 15), "season", dt.date(2024, 12, 1), dt.date(2025, 2, 28)),
        (dt.date(2024, 12, 2), "season", dt.date(2024, 12, 1), dt.date(2025, 2, 28)),
        (dt.date(2024, 7, 9), "year", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ],
)
def test_period_bounds(day, precision, start, end):
    assert period_start(day, precision) == start
    assert period_end(day, precision) == end


@pytest.mark.parametrize(
    ("day", "precision", "text"),
    [
        (dt.date(2025, 2, 20), "day", "20 Feb 2025"),
        (dt.date(2024, 10, 1), "month", "October 2024"),
        (dt.date(2024, 9, 1), "season", "Fall 2024"),
        (dt.date(2025, 1, 1), "season", "Winter 2024"),
        (dt.date(2024, 1, 1), "year", "2024"),
        (None, "day", ""),
    ],
)
def test_format_date(day, precision, text):
    assert format_date(day, precision) == text


def test_season_start_accepts_autumn():
    assert season_start("Autumn", 2024) == season_start("fall", 2024) == dt.date(2024, 9, 1)


def test_unknown_precision_is_an_error():
    with pytest.raises(ValueError, match="precision"):
        period_start(dt.date(2024, 1, 1), "decade")


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_is_written_as_before_in_english(month):
    """The month names are the app's own (not the process locale's): the same text as
    ``strftime`` in the C locale gave, for every month, at day and at month precision."""
    day = dt.date(1999, month, 28)
    assert format_date(day, "day") == f"28 {day:%b} 1999"
    assert format_date(day, "month") == f"{day:%B} 1999"
