"""Bounded types for what the APIs accept: every number, instant and text has a stated range.

A value outside its range is a 422 naming the field, before it reaches a driver (SQLite's
integers stop at 2**63 - 1, PostgreSQL's `integer` at 2**31 - 1) or date arithmetic (`datetime`
stops at year 9999). Each bound appears in the OpenAPI: `minimum`/`maximum`, `maxLength`,
and for dates, which JSON Schema cannot bound, `formatMinimum`/`formatMaximum` and the
description."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

MAX_OFFSET = 1_000_000
"""No list is paged that deep; past it a caller is fishing, not reading."""
MAX_LIMIT = 200
MAX_VERSION = 1_000_000_000
"""Versions live in PostgreSQL `integer` columns (up to 2**31 - 1): the next one must fit."""
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2200, 12, 31)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)
EARLIEST_YEAR = EARLIEST_DAY.year
LATEST_YEAR = LATEST_DAY.year

Offset = Annotated[
    int, Field(ge=0, le=MAX_OFFSET, description=f"items to skip, 0 to {MAX_OFFSET:,}")
]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"items per page, 1 to {MAX_LIMIT}")]
Version = Annotated[
    int, Field(ge=1, le=MAX_VERSION, description="the version you read: a stale one is a 409")
]
Year = Annotated[int, Field(ge=EARLIEST_YEAR, le=LATEST_YEAR)]

Day = Annotated[
    date,
    Field(
        ge=EARLIEST_DAY,
        le=LATEST_DAY,
        description=f"a date from {EARLIEST_DAY} to {LATEST_DAY}",
        json_schema_extra={
            "formatMinimum": EARLIEST_DAY.isoformat(),
            "formatMaximum": LATEST_DAY.isoformat(),
        },
    ),
]
"""A calendar date in a plausible range (deadlines are computed from it)."""

Instant = Annotated[
    AwareDatetime,
    Field(
        ge=EARLIEST,
        le=LATEST,
        description=(
            f"an instant with its UTC offset (a naive time is a 422), "
            f"from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} UTC"
        ),
        json_schema_extra={
            "formatMinimum": EARLIEST.isoformat().replace("+00:00", "Z"),
            "formatMaximum": LATEST.isoformat().replace("+00:00", "Z"),
        },
    ),
]
"""A timezone-aware instant in a plausible range; converting it to UTC cannot overflow."""

_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Free text keeps tabs and line breaks, never other control characters (NUL breaks PostgreSQL)."""

Identifier = Annotated[
    str, StringConstraints(max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
]
"""A slug-like id: an organisation, a partner, a rule, a status, a checklist item."""
UserId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f\s]+$")
]
"""A user's id as the identity provider gives it (one token, no spaces)."""
ZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
"""An IANA time zone's name (checked against the zone database where it is used)."""
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_PRINTABLE)
]
"""A name on one line: a person's, an organisation's."""
Line = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=_PRINTABLE)
]
"""One line of text: a task's title, a place."""
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=500, pattern=TEXT_PATTERN),
]
"""Why a decision was taken, in a few sentences."""
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000, pattern=TEXT_PATTERN),
]
"""Free text: a confidential note, an assessment's notes."""
