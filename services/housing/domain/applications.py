"""Social housing applications without I/O: the numéro unique départemental's format, the
yearly renewal's due date, and which SMS reminder of it is due on a day.

The numéro unique has 18 characters: the département (3: "075", "02A", "971"), the year and
month of the first filing (4), the registering office's code (5), a sequence number (5) and a
control letter (1). Spaces and dashes as printed on the certificate are ignored.

A renewal is due before the filing's anniversary: the day before it, each year. The
anniversary of a 29 February filing is the last day of February in a common year (a year runs
from a date to the same date, or the last day of the month when it does not exist), so the
renewal is due on 27 February in a common year and on 28 February in a leap year."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from shared.errors import DomainError, Refused

DEPARTEMENT = r"0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-6]"
"""A département's INSEE code: 01 to 95 (Corsica's 20 is 2A and 2B), 971 to 976 overseas."""
NUMBER = re.compile(
    r"^(?P<dept>0(?:0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5])|97[1-6])"
    r"(?P<yy>\d{2})(?P<mm>0[1-9]|1[0-2])(?P<office>[0-9A-Z]{5})(?P<seq>\d{5})(?P<key>[A-Z])$"
)
STATUSES = ("active", "lapsed", "closed")
OUTCOMES = ("pending", "accepted", "refused")
REMINDERS: tuple[tuple[str, int], ...] = (("month_before", 1), ("week_before", 0))
"""Each reminder's kind, latest last; months before the due date (0: a week before)."""


class InvalidNumber(DomainError):
    """A numéro unique that does not have the départemental format."""


@dataclass(frozen=True)
class Number:
    """A valid numéro unique, normalised (no spaces, upper case), with its parts."""

    value: str
    departement: str  # the INSEE code: "75", "2A", "971"
    filed_year: int
    filed_month: int


def parse_number(raw: str) -> Number:
    """The numéro unique read from `raw`, or InvalidNumber saying what is wrong."""
    value = re.sub(r"[\s.\-]", "", raw).upper()
    if len(value) != 18:
        raise InvalidNumber(f"a numéro unique has 18 characters, this one has {len(value)}")
    found = NUMBER.match(value)
    if found is None:
        raise InvalidNumber(
            "a numéro unique is the département (3), the year and month of filing (4), the "
            "office (5), a sequence number (5) and a control letter"
        )
    dept = found["dept"]
    departement = dept if dept.startswith("97") else dept[1:]
    return Number(value, departement, 2000 + int(found["yy"]), int(found["mm"]))


def normalise_departement(code: str) -> str:
    """The INSEE code of a département as people write it ("075", "75", "2a" -> "75", "2A")."""
    code = code.strip().upper()
    if len(code) == 3 and code.startswith("0"):
        code = code[1:]
    if re.fullmatch(DEPARTEMENT, code) is None:
        raise InvalidNumber(f"{code!r} is not a département code")
    return code


def check_filing(number: Number, departement: str | None, filed_on: date) -> str:
    """The application's département; InvalidNumber if the number disagrees with the
    département or with the month of filing it carries."""
    if departement is not None and normalise_departement(departement) != number.departement:
        raise InvalidNumber(f"the number was given in département {number.departement}")
    if (filed_on.year, filed_on.month) != (number.filed_year, number.filed_month):
        raise InvalidNumber(
            f"the number was given in {number.filed_year}-{number.filed_month:02d}, "
            "the month of the first filing"
        )
    return number.departement


def add_years(day: date, years: int) -> date:
    """The same date `years` later; the last day of the month when it does not exist."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def add_months(day: date, months: int) -> date:
    """The same date `months` later (or earlier); the month's last day when it does not exist."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def renewal_due(filed_on: date, year: int) -> date:
    """The day the `year`th renewal is due (1: the first): the day before that anniversary."""
    if year < 1:
        raise ValueError("renewals count from 1")
    return add_years(filed_on, year) - timedelta(days=1)


def first_due(filed_on: date, today: date) -> date:
    """The renewal due on or after `today` (an application entered after it was filed)."""
    year = 1
    while renewal_due(filed_on, year) < today:
        year += 1
    return renewal_due(filed_on, year)


def next_due(filed_on: date, due: date) -> date:
    """The renewal due a year after `due`, counted from the filing's anniversaries."""
    year = 1
    while renewal_due(filed_on, year) <= due:
        year += 1
    return renewal_due(filed_on, year)


def check_renewal(status: str, due: date, renewed_on: date, filed_on: date) -> date:
    """The next due date once renewed on `renewed_on`; a DomainError when it cannot be."""
    if status != "active":
        raise Refused(f"the application is {status}: it can no longer be renewed")
    if renewed_on > due:
        raise Refused(f"the renewal was due by {due.isoformat()}: the application lapsed")
    if renewed_on < filed_on:
        raise DomainError("a renewal cannot precede the filing")
    opens = add_years(due + timedelta(days=1), -1)  # the anniversary that began this year
    if renewed_on < opens:
        raise Refused(f"already renewed for this year: the next renewal opens on {opens}")
    return next_due(filed_on, due)


def reminder_on(due: date) -> tuple[tuple[str, date], ...]:
    """Each reminder's kind and the day it is sent, for a renewal due on `due`."""
    return tuple(
        (kind, add_months(due, -months) if months else due - timedelta(days=7))
        for kind, months in REMINDERS
    )


def reminder_due(due: date, today: date) -> str | None:
    """The reminder to send on `today` for a renewal due on `due`: the latest whose day has
    come, and none once the due date is past (a late worker sends one, never two)."""
    if today > due:
        return None
    due_kinds = [kind for kind, on in reminder_on(due) if on <= today]
    return due_kinds[-1] if due_kinds else None
