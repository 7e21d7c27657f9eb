"""Which beds are free, held, occupied or out of service on some nights, as the rules of
`domain.rooms` read them; which rooms can take a household, and how a coordinator could split
it. A hold or offer past its
expiry no longer holds its beds, even before the worker frees them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.housing.domain import rooms, splits
from services.housing.domain.plan import RoomKind
from services.housing.models import Bed, BedNight, BedOutage, Offer, Room
from services.housing.schemas.offers import (
    AvailabilityPublic,
    ChoicePublic,
    SleeperPublic,
    SplitCandidatePublic,
    SplitRoomPublic,
    SplitsPublic,
)

GIVEN = {"offer": rooms.BedState.HELD, "hold": rooms.BedState.HELD, "stay": rooms.BedState.OCCUPIED}
Given = tuple[str, str, date]  # placement, bed, night


async def room_states(
    session: AsyncSession, nights: rooms.Nights, now: datetime, room_ids: Iterable[str] | None
) -> list[rooms.Room]:
    """The rooms (all of them when `room_ids` is None) with each bed's state every night."""
    query = select(Room).order_by(col(Room.id))
    if room_ids is not None:
        query = query.where(col(Room.id).in_(list(room_ids)))
    found = (await session.execute(query)).scalars().all()
    beds_query = select(Bed).where(col(Bed.room_id).in_([room.id for room in found]))
    beds = (await session.execute(beds_query.order_by(col(Bed.id)))).scalars().all()
    states = await _states(session, [bed.id for bed in beds], nights, now)
    by_room: dict[str, list[rooms.Bed]] = defaultdict(list)
    for bed in beds:
        known = {night: _state(bed, night, states) for night in nights.dates}
        by_room[bed.room_id].append(rooms.Bed(bed.id, known))
    return [
        rooms.Room(
            room.id,
            room.site_id,
            RoomKind(room.kind),
            tuple(by_room[room.id]),
            accessible=room.accessible,
            cot=room.cot,
        )
        for room in found
    ]


async def lapsed(session: AsyncSession, now: datetime) -> set[Given]:
    """The bed-nights of offers and holds past their expiry that the worker has not freed."""
    query = select(Offer).where(col(Offer.status) == "offered", col(Offer.expires_at) <= now)
    return {
        (offer.placement_id, bed_id, night)
        for offer in (await session.execute(query)).scalars()
        for bed_id in offer.bed_ids
        for night in rooms.Nights(offer.first_night, offer.nights).dates
    }


async def _states(
    session: AsyncSession, bed_ids: list[str], nights: rooms.Nights, now: datetime
) -> dict[tuple[str, date], rooms.BedState]:
    """The state of every (bed, night) that is not free; beds not listed are free."""
    first, last = nights.dates[0], nights.dates[-1]
    states: dict[tuple[str, date], rooms.BedState] = {}
    outages = select(BedOutage).where(
        col(BedOutage.bed_id).in_(bed_ids),
        col(BedOutage.first_night) <= last,
        col(BedOutage.last_night) >= first,
    )
    for outage in (await session.execute(outages)).scalars():
        for night in nights.dates:
            if outage.first_night <= night <= outage.last_night:
                states[(outage.bed_id, night)] = rooms.BedState.OUT_OF_SERVICE
    given = select(BedNight).where(
        col(BedNight.bed_id).in_(bed_ids), col(BedNight.night).between(first, last)
    )
    gone = await lapsed(session, now)
    for row in (await session.execute(given)).scalars():
        if (row.placement_id, row.bed_id, row.night) not in gone:
            states.setdefault((row.bed_id, row.night), GIVEN[row.kind])
    return states


def _state(bed: Bed, night: date, states: dict[tuple[str, date], rooms.BedState]) -> rooms.BedState:
    """A bed of extra capacity is out of service outside its block's nights."""
    first, last = bed.extra_first_night, bed.extra_last_night
    if first is not None and last is not None and not first <= night <= last:
        return rooms.BedState.OUT_OF_SERVICE
    return states.get((bed.id, night), rooms.BedState.FREE)


def first_busy(room: rooms.Room, bed_ids: Iterable[str], nights: rooms.Nights) -> date | None:
    """The first night one of these beds (or, in a private room, any of its beds) is not free."""
    wanted = set(bed_ids)
    private = room.kind in rooms.PRIVATE
    for night in nights.dates:
        for bed in room.beds:
            state = bed.on(night)
            # in a private room a bed out of service matters only when it is one asked for
            busy = state in (rooms.BedState.HELD, rooms.BedState.OCCUPIED) and private
            if (bed.id in wanted and state is not rooms.BedState.FREE) or busy:
                return night
    return None


async def availability(
    session: AsyncSession, household: rooms.Household, nights: rooms.Nights, now: datetime
) -> AvailabilityPublic:
    """The rooms that take the household every night, best fit first, and why the others
    cannot."""
    states = await room_states(session, nights, now, None)
    return AvailabilityPublic(
        first_night=nights.first,
        nights=nights.count,
        choices=[
            ChoicePublic(
                room_id=c.room_id, site_id=c.site_id, bed_ids=list(c.bed_ids), spare=c.spare
            )
            for c in rooms.candidates(states, household, nights)
        ],
        refused={
            room_id: str(why) for room_id, why in rooms.why_not(states, household, nights).items()
        },
    )


async def split_candidates(
    session: AsyncSession,
    household: rooms.Household,
    nights: rooms.Nights,
    now: datetime,
    coordinator_id: str,
) -> SplitsPublic:
    """Per site, the fewest rooms that hold the household, an adult in each, best first."""
    states = await room_states(session, nights, now, None)
    found = splits.split_candidates(states, household, nights, coordinator_id=coordinator_id)
    members = household.members
    return SplitsPublic(
        first_night=nights.first,
        nights=nights.count,
        splits=[
            SplitCandidatePublic(
                site_id=split.site_id,
                rooms=[
                    SplitRoomPublic(
                        room_id=choice.room_id,
                        bed_ids=list(choice.bed_ids),
                        members=[
                            SleeperPublic(index=i, age=members[i].age, sex=str(members[i].sex))
                            for i in sleepers
                        ],
                        spare=choice.spare,
                    )
                    for choice, sleepers in zip(split.choices, split.sleepers, strict=True)
                ],
                spare=sum(choice.spare for choice in split.choices),
            )
            for split in found
        ],
    )
