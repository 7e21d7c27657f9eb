"""Requests and answers about appointments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from services.casework.domain.appointments import Kind, Outcome
from shared.bounds import Instant, Version
from shared.schemas import Command

DEFAULT_TIMEZONE = "Europe/Paris"


def _iana(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone (e.g. Europe/Paris)") from None
    return name


TimeZone = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_iana),
    Field(description="the IANA time zone the appointment is held in"),
]
Place = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    Field(description="where: stored and published encrypted with the person's key"),
]
StartsAt = Annotated[
    Instant,
    Field(
        description=(
            "the instant, with its UTC offset (a naive time is a 422); ahead of now, at most "
            "5 years ahead, or in the past (at most 10 years back) only with an `outcome`"
        )
    ),
]
Revision = Annotated[Version, Field(description="the revision you read: a stale one is a 409")]
History = Annotated[
    Outcome | None,
    Field(
        description=(
            "record an appointment already past as history, attended or missed: no reminder "
            "is planned for it; without it, a past `starts_at` is a 422"
        )
    ),
]


class AppointmentCreate(Command):
    """Schedule an appointment of the case's person."""

    kind: Kind
    starts_at: StartsAt
    timezone: TimeZone = DEFAULT_TIMEZONE
    place: Place
    outcome: History = None


class AppointmentReschedule(Command):
    """Move an appointment or change its place, from the revision you read."""

    revision: Revision
    starts_at: StartsAt | None = None
    timezone: TimeZone | None = None
    place: Place | None = None
    outcome: History = None


class AppointmentChange(Command):
    """Cancel an appointment or record its outcome; give `revision` to refuse a stale one."""

    revision: Revision | None = None


class AppointmentPublic(BaseModel):
    """An appointment as the organisations working on the case see it."""

    id: str
    case_id: str
    kind: str
    starts_at: datetime = Field(description="the instant, in UTC")
    timezone: str
    local_start: datetime = Field(description="the same instant, in the appointment's zone")
    place: str
    status: str
    revision: int
    updated_by: str
    updated_at: datetime
    history: bool = Field(
        default=False,
        description="this answer recorded a past appointment as history: no reminder is planned",
    )
