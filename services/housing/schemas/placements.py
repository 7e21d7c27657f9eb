"""Placement requests and the waiting list: what staff send and read."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.schemas import Command


class PlacementCreate(Command):
    """A caseworker's request of a place for a person of their organisation."""

    person_id: uuid.UUID
    accessible: bool = Field(default=False, description="needs an accessible room")
    cot: bool = Field(default=False, description="needs a cot")
    women_only: bool = Field(default=False, description="needs a women-only room")
    nights_without_shelter: int | None = Field(
        default=None, ge=0, le=366, description="as told; else intake's last assessment"
    )


class OverrideCreate(Command):
    """A coordinator's move: to `position` (1 is first) or `above` another request."""

    position: int | None = Field(default=None, ge=1, le=10_000)
    above: uuid.UUID | None = None
    reason: str = Field(min_length=1, max_length=1000)


class MemberPublic(BaseModel):
    """A member as priority and rooms see them: never a name."""

    age: int | None
    sex: str
    pregnant: bool
    health: bool


class PlacementPublic(BaseModel):
    """A request as its referring organisation and the operator see it."""

    id: str
    person_id: str
    organisation_id: str
    referral_id: str | None
    status: str
    members: list[MemberPublic]
    nights_without_shelter: int
    accessible: bool
    cot: bool
    women_only: bool
    household_known: bool
    missing: str | None = Field(description="why the household is not fully known, if so")
    requested_at: datetime


class TermPublic(BaseModel):
    """One term of the score: its weight, the units counted and the points they give."""

    term_id: str
    label: str
    weight: int
    units: int
    cap: int | None
    points: int


class OverridePublic(BaseModel):
    """A coordinator's move, with its reason read back with the person's key."""

    id: str
    position: int | None
    above: str | None
    reason: str | None = Field(description="None when it cannot be read (erased, key store away)")
    made_by: str
    made_at: datetime


class WaitingEntry(BaseModel):
    """A request's place on the list, with every term beside its score."""

    position: int
    scored_position: int
    placement_id: str
    person_id: str
    organisation_id: str
    household_size: int
    household_known: bool
    requested_at: datetime
    days_waiting: int
    score: int
    terms: list[TermPublic]
    override: OverridePublic | None


class WaitingListPublic(BaseModel):
    """The waiting list under one version of the rule book."""

    book_version: int
    effective_from: date
    today: date
    entries: list[WaitingEntry]
