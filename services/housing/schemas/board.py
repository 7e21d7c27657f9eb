"""Answers about a night's bed board."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.housing.domain.history import BoardThen, SiteThen


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
        default=None,
        description="the open offer or hold of a held bed (to check in); on a replayed night, "
        "the one open then",
    )
    stay_id: str | None = Field(
        default=None,
        description="the stay in an occupied bed not yet checked out; on a replayed night, "
        "the stay slept in it then",
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
    """The centre's beds on one night: tonight and later nights as today's records say, a
    past night as housing's events recorded it."""

    night: date
    sites: list[SiteNightPublic]
    counts: dict[str, int]
    replayed: bool = Field(
        default=False,
        description="true for a night before tonight: the board replayed from housing's "
        "events up to `as_of`, not read from today's rows",
    )
    as_of: datetime | None = Field(
        default=None,
        description="a replayed night's instant: the events recorded up to it make the board "
        "(the report hour of the morning after, as the night's figures)",
    )


def board_then_public(then: BoardThen) -> BoardPublic:
    """A past night's board, replayed from the events, in the board's own shape."""
    return BoardPublic(
        night=then.night,
        sites=[_site_then(site) for site in then.sites],
        counts=then.counts,
        replayed=True,
        as_of=then.as_of,
    )


def _site_then(then: SiteThen) -> SiteNightPublic:
    rooms = [
        RoomNightPublic(
            id=room.room.room_id,
            label=room.room.label,
            kind=room.room.kind,
            accessible=room.room.accessible,
            cot=room.room.cot,
            beds=[
                BedNightPublic(
                    id=bed.bed.bed_id,
                    label=bed.bed.label,
                    state=bed.state.value,
                    extra_block=bed.bed.extra_block,
                    offer_id=bed.offer_id,
                    stay_id=bed.stay_id,
                )
                for bed in room.beds
            ],
        )
        for room in then.rooms
    ]
    return SiteNightPublic(
        id=then.site.site_id,
        name=then.site.label,
        confidential=then.site.confidential,
        rooms=rooms,
        counts=then.counts,
        by_kind=then.by_kind,
        extra=then.extra,
    )
