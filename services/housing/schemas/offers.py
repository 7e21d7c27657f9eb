"""Requests and answers about beds offered, held and slept in, and rooms free for a household."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.housing.domain import rooms
from shared.bounds import Day
from shared.schemas import Command
from shared.web import Unprocessable

MAX_NIGHTS = 92
MAX_SPLIT_ROOMS = rooms.MAX_SPLIT_ROOMS
MEMBER = re.compile(r"^(?P<age>\d{1,3})?(?P<sex>[fmu]?)$")
SEXES = {"f": rooms.Sex.F, "m": rooms.Sex.M, "u": rooms.Sex.UNKNOWN, "": rooms.Sex.UNKNOWN}


class MemberIn(BaseModel):
    """A member of the household: age in years (unknown: null) and declared sex."""

    age: int | None = Field(default=None, ge=0, le=130)
    sex: Literal["f", "m", "unknown"] = "unknown"


class HouseholdIn(BaseModel):
    """The persons who sleep together, and what they need from a room."""

    members: list[MemberIn] = Field(min_length=1, max_length=16)
    accessible: bool = False
    cot: bool = False
    women_only: bool = False

    def domain(self) -> rooms.Household:
        """The household as the room rules read it."""
        return rooms.Household(
            tuple(rooms.Member(m.age, rooms.Sex(m.sex)) for m in self.members),
            rooms.Needs(accessible=self.accessible, cot=self.cot, women_only=self.women_only),
        )


def household_from(
    members: list[str], *, accessible: bool, cot: bool, women_only: bool
) -> rooms.Household:
    """A household from query parameters: one `member` per person, e.g. `34f`, `8m`, `f`
    (age unknown), `5` (sex unknown); 422 naming the member that does not read."""
    parsed = []
    for text in members:
        match = MEMBER.match(text.strip().lower())
        if match is None or not text.strip():
            raise Unprocessable(f"member {text!r}: write an age and f, m or u, e.g. 34f or 8m")
        age = match["age"]
        parsed.append(rooms.Member(int(age) if age else None, SEXES[match["sex"]]))
    if not parsed:
        raise Unprocessable("a household has at least one member")
    needs = rooms.Needs(accessible=accessible, cot=cot, women_only=women_only)
    return rooms.Household(tuple(parsed), needs)


class OfferCreate(Command):
    """Offer beds of a room to a placement's household for some nights; without `bed_ids`
    the service chooses them."""

    placement_id: uuid.UUID
    room_id: uuid.UUID
    bed_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=16, description="the beds, or null to let the service choose"
    )
    first_night: Day
    nights: int = Field(default=1, ge=1, le=MAX_NIGHTS)
    household: HouseholdIn


class SplitRoomIn(BaseModel):
    """A room of a split, and its beds (or none, to let the service choose them)."""

    room_id: uuid.UUID
    bed_ids: list[uuid.UUID] | None = Field(
        default=None, min_length=1, max_length=16, description="the beds, or null"
    )


class SplitCreate(Command):
    """A coordinator's split of a placement's household over rooms of one site, one offer per
    room, with the reason (sealed with the person's key); beds named in every room or in none."""

    placement_id: uuid.UUID
    first_night: Day
    nights: int = Field(default=1, ge=1, le=MAX_NIGHTS)
    household: HouseholdIn
    rooms: list[SplitRoomIn] = Field(min_length=2, max_length=MAX_SPLIT_ROOMS)
    reason: str = Field(min_length=1, max_length=1000)


class HoldCreate(Command):
    """Hold one bed for tonight while a caseworker brings someone over."""

    bed_id: uuid.UUID
    placement_id: uuid.UUID | None = None


class CheckOut(Command):
    """Why the household leaves: an orientation, social housing, or (a coordinator's
    decision, flagged) left or excluded."""

    reason: Literal["orientation", "social_housing", "left", "exclusion"]


class OfferPublic(BaseModel):
    """An offer of beds (or a caseworker's hold of one) and its state."""

    id: str
    kind: str
    placement_id: str
    site_id: str
    room_id: str
    bed_ids: list[str]
    first_night: date
    nights: int
    status: str
    expires_at: datetime
    offered_by: str
    offered_at: datetime
    closed_at: datetime | None
    split_id: str | None = Field(default=None, description="the split it is one room of")


class SplitPublic(BaseModel):
    """A coordinator's split: its offers, one room each, under the same deadline."""

    id: str
    placement_id: str
    site_id: str
    split_by: str
    split_at: datetime
    expires_at: datetime
    offers: list[OfferPublic]


class StayPublic(BaseModel):
    """A household's stay in the beds of an offer."""

    id: str
    offer_id: str
    placement_id: str
    room_id: str
    bed_ids: list[str]
    first_night: date
    last_night: date
    checked_in_by: str
    checked_in_at: datetime
    checked_out_by: str | None
    checked_out_at: datetime | None
    check_out_reason: str | None
    flagged: bool


class ChoicePublic(BaseModel):
    """A room that takes the household, the beds it would hold and the beds left idle."""

    room_id: str
    site_id: str
    bed_ids: list[str]
    spare: int


class AvailabilityPublic(BaseModel):
    """The rooms that take a household every night of a period, best fit first, and the
    reason (a code) each other room cannot."""

    first_night: date
    nights: int
    choices: list[ChoicePublic]
    refused: dict[str, str]


class SleeperPublic(BaseModel):
    """A member of the household, by their place in it (0: the first member given)."""

    index: int
    age: int | None
    sex: str


class SplitRoomPublic(BaseModel):
    """A room of a split candidate: the beds it would hold, who sleeps there, beds left idle."""

    room_id: str
    bed_ids: list[str]
    members: list[SleeperPublic]
    spare: int


class SplitCandidatePublic(BaseModel):
    """The fewest rooms of one site that hold the household, an adult in each."""

    site_id: str
    rooms: list[SplitRoomPublic]
    spare: int


class SplitsPublic(BaseModel):
    """A coordinator's candidates for splitting a household, per site, best first."""

    first_night: date
    nights: int
    splits: list[SplitCandidatePublic]
