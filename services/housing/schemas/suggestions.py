"""What the operator's staff read of the households suggested for freed beds."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class SuggestionPublic(BaseModel):
    """The beds an expired offer freed, for the nights left, and the household suggested
    for them, or none with the reason (nobody_waiting, nobody_fits, no_night_left)."""

    id: str
    offer_id: str = Field(description="the expired offer")
    expired_placement_id: str
    placement_id: str | None = Field(default=None, description="the household suggested")
    position: int | None = Field(default=None, description="its place on the waiting list")
    site_id: str
    room_id: str
    bed_ids: list[str]
    first_night: date
    nights: int
    reason: str | None = None
    suggested_at: datetime
