"""A housing placement as it was at an instant: the request, the moves of it on the waiting
list, the beds offered or held for it and its stays (named as housing names its answers)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class OfferAsOf(BaseModel):
    """Beds of one room offered for some nights (`offer`), or one bed held for tonight
    (`hold`), and where it stood."""

    id: str
    kind: str
    placement_id: str
    site_id: str
    room_id: str
    bed_ids: list[str]
    first_night: date
    nights: int
    status: str = Field(description="offered, taken or expired")
    expires_at: datetime
    offered_by: str | None
    offered_at: datetime
    closed_at: datetime | None
    split_id: str | None


class StayAsOf(BaseModel):
    """The household in the beds of a taken offer, from check-in to check-out."""

    id: str
    offer_id: str
    placement_id: str
    room_id: str
    bed_ids: list[str]
    first_night: date
    last_night: date
    nights: int = Field(description="booked, or once the household left, slept")
    checked_in_by: str | None
    checked_in_at: datetime
    checked_out_by: str | None
    checked_out_at: datetime | None
    check_out_reason: str | None
    flagged: bool


class OverrideAsOf(BaseModel):
    """A coordinator's move of the request on the waiting list (its reason stays sealed)."""

    id: str
    position: int | None
    above: str | None
    made_by: str
    made_at: datetime


class PlacementAsOf(BaseModel):
    """A household's request for a place as it stood at `as_of`."""

    as_of: datetime
    id: str
    person_id: str
    organisation_id: str
    referral_id: str | None
    household_size: int
    household_known: bool
    requested_by: str | None
    requested_at: datetime
    status: str = Field(description="waiting, offered, placed or closed")
    overrides: list[OverrideAsOf]
    offers: list[OfferAsOf]
    stays: list[StayAsOf]
