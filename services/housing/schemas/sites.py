"""Requests and answers about the centre's sites, rooms and beds."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from services.housing.domain.plan import RoomKind
from shared.bounds import Day, Identifier
from shared.schemas import Command

Label = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
    Field(description="the room's or bed's name on its door (1 to 40 characters)"),
]


class RoomCreate(Command):
    """A new room of a site."""

    label: Label
    kind: RoomKind
    accessible: bool = Field(default=False, description="step-free, for a wheelchair")
    cot: bool = Field(default=False, description="a baby's cot can be put in")


class BedCreate(Command):
    """A new bed of a room; a bed of extra capacity (the winter plan) names its block and the
    nights it is open, all three or none."""

    label: Label
    extra_block: Identifier | None = None
    extra_first_night: Day | None = None
    extra_last_night: Day | None = None

    @model_validator(mode="after")
    def _all_or_none(self) -> Self:
        given = [self.extra_block, self.extra_first_night, self.extra_last_night]
        if any(v is not None for v in given) and any(v is None for v in given):
            raise ValueError(
                "a bed of extra capacity needs extra_block, extra_first_night and "
                "extra_last_night together"
            )
        return self


class BedPublic(BaseModel):
    """A bed, as those who may see inside its site see it."""

    id: str
    room_id: str
    label: str
    extra_block: str | None = Field(description="its extra capacity block, or none")
    extra_first_night: date | None
    extra_last_night: date | None


class RoomPublic(BaseModel):
    """A room and its beds."""

    id: str
    site_id: str
    label: str
    kind: RoomKind
    accessible: bool
    cot: bool
    beds: list[BedPublic]


class SitePublic(BaseModel):
    """A site of the centre. A confidential site of another operator is `restricted`: only
    that it exists is shown (no address, no rooms, no counts)."""

    id: str
    code: str
    name: str
    organisation_id: str = Field(description="the operating organisation")
    confidential: bool
    restricted: bool = Field(description="only the site's existence is shown to you")
    address: str | None
    room_count: int | None
    bed_count: int | None = Field(description="permanent beds")
    extra_bed_count: int | None = Field(description="beds of extra capacity, counted apart")


class SiteDetail(SitePublic):
    """A site with its rooms and beds (none shown when restricted)."""

    rooms: list[RoomPublic] | None
