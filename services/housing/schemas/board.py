"""Answers about a night's bed board."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class BedNightPublic(BaseModel):
    """A bed and its state that night (never who sleeps in it)."""

    id: str
    label: str
    state: str = Field(
        description="free, held, occupied, out_of_service, or closed (extra "
        "capacity outside its nights)"
    )
    extra_block: str | None
    offer_id: str | None = Field(
        default=None, description="the open offer or hold of a held bed (to check in)"
    )
    stay_id: str | None = Field(
        default=None, description="the stay in an occupied bed not yet checked out"
    )


class RoomNightPublic(BaseModel):
    """A room and its beds that night."""

    id: str
    label: str
    kind: str
    accessible: bool
    cot: bool
    beds: list[BedNightPublic]


class SiteNightPublic(BaseModel):
    """A site's rooms that night, its counts per state and per room kind, the extra capacity
    counted apart."""

    id: str
    name: str
    confidential: bool
    rooms: list[RoomNightPublic]
    counts: dict[str, int]
    by_kind: dict[str, dict[str, int]]
    extra: dict[str, int]


class BoardPublic(BaseModel):
    """The centre's beds on one night, as today's records say."""

    night: date
    sites: list[SiteNightPublic]
    counts: dict[str, int]
