"""Date arithmetic for legal delays: French months, working days and public holidays."""

from __future__ import annotations

import calendar as _gregorian
from datetime import date, timedelta
from functools import lru_cache

_SATURDAY = 5

# Fixed-date public holidays (Code du travail art. L3133-1), as (month, day).
_FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
# Movable ones, as days after Easter Sunday: Easter Monday, Ascension, Whit Monday.
_EASTER_OFFSETS = (1, 39, 50)


def add_months(day: date, months: int) -> date:
    """The same day number `months` later (or earlier); the month's last day if it has none."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def easter_sunday(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    fixed = {date(year, month, day) for month, day in _FIXED_HOLIDAYS}
    return frozenset(fixed | {easter + timedelta(days=n) for n in _EASTER_OFFSETS})


def french_public_holidays(year: int) -> set[date]:
    """The eleven national public holidays of a year (not Alsace-Moselle's two extra days)."""
    return set(_holidays(year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a national public holiday."""
    return day.weekday() < _SATURDAY and day not in _holidays(day.year)


def add_working_days(day: date, count: int) -> date:
    """The `count`-th working day after `day` (before it if `count` is negative)."""
    step = timedelta(days=1 if count >= 0 else -1)
    left = abs(count)
    while left:
        day += step
        if is_working_day(day):
            left -= 1
    return day
