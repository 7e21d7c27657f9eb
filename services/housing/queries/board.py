"""Reading a night's bed board: tonight's and later nights' from the centre's rows (beds, their
outages, the bed-nights), a past night's from housing's events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.housing.domain.board import BedFacts, Night, counts, state
from services.housing.domain.history import board_then
from services.housing.models import Bed, BedNight, BedOutage, Offer, Room, Site, Stay
from services.housing.queries.figures import logged
from services.housing.schemas.board import (
    BedNightPublic,
    BoardPublic,
    RoomNightPublic,
    SiteNightPublic,
    board_then_public,
)


async def board(session: AsyncSession, night: date) -> BoardPublic:
    """Every site, room and bed of the centre with the bed's state on `night`."""
    sites = (await session.execute(select(Site).order_by(col(Site.name)))).scalars().all()
    rooms = (await session.execute(select(Room).order_by(col(Room.label)))).scalars().all()
    beds = (await session.execute(select(Bed).order_by(col(Bed.label)))).scalars().all()
    states = await _states(session, beds, night)
    by_room: dict[str, list[Bed]] = defaultdict(list)
    for bed in beds:
        by_room[bed.room_id].append(bed)
    holders = await _holders(session, night)
    shown = [
        _site(site, [r for r in rooms if r.site_id == site.id], by_room, states, holders)
        for site in sites
    ]
    return BoardPublic(night=night, sites=shown, counts=counts(states.values()))


async def board_as_recorded(
    session: AsyncSession, outbox: Table, night: date, as_of: datetime
) -> BoardPublic:
    """The board of a past `night` from housing's events recorded up to `as_of`, not from
    today's rows."""
    events = [event async for event in logged(session, outbox)]
    return board_then_public(board_then(events, night, as_of))


async def _states(session: AsyncSession, beds: Sequence[Bed], night: date) -> dict[str, Night]:
    outages: dict[str, list[tuple[date, date]]] = defaultdict(list)
    covering = select(BedOutage).where(
        col(BedOutage.first_night) <= night, col(BedOutage.last_night) >= night
    )
    for outage in (await session.execute(covering)).scalars():
        outages[outage.bed_id].append((outage.first_night, outage.last_night))
    given_rows = await session.execute(select(BedNight).where(col(BedNight.night) == night))
    given = {row.bed_id: row.kind for row in given_rows.scalars()}
    return {
        bed.id: state(
            BedFacts(
                bed.extra_first_night,
                bed.extra_last_night,
                tuple(outages.get(bed.id, ())),
                given.get(bed.id),
            ),
            night,
        )
        for bed in beds
    }


Holders = dict[str, tuple[str | None, str | None]]
"""Per bed, the open offer holding it and the stay sleeping in it that night, if any."""


async def _holders(session: AsyncSession, night: date) -> Holders:
    found: Holders = {}
    open_offers = select(Offer).where(
        col(Offer.status) == "offered", col(Offer.first_night) <= night
    )
    for offer in (await session.execute(open_offers)).scalars():
        if night < offer.first_night + timedelta(days=offer.nights):
            found.update({bed: (offer.id, None) for bed in offer.bed_ids})
    staying = select(Stay).where(
        col(Stay.checked_out_at).is_(None),
        col(Stay.first_night) <= night,
        col(Stay.last_night) >= night,
    )
    for stay in (await session.execute(staying)).scalars():
        found.update({bed: (None, stay.id) for bed in stay.bed_ids})
    return found


def _site(
    site: Site,
    rooms: list[Room],
    by_room: dict[str, list[Bed]],
    states: dict[str, Night],
    holders: Holders,
) -> SiteNightPublic:
    shown: list[RoomNightPublic] = []
    by_kind: dict[str, list[Night]] = defaultdict(list)
    extra: list[Night] = []
    for room in rooms:
        beds = by_room.get(room.id, [])
        for bed in beds:
            (extra if bed.extra_block else by_kind[room.kind]).append(states[bed.id])
        shown.append(
            RoomNightPublic(
                id=room.id,
                label=room.label,
                kind=room.kind,
                accessible=room.accessible,
                cot=room.cot,
                beds=[
                    BedNightPublic(
                        id=b.id,
                        label=b.label,
                        state=states[b.id].value,
                        extra_block=b.extra_block,
                        offer_id=holders.get(b.id, (None, None))[0],
                        stay_id=holders.get(b.id, (None, None))[1],
                    )
                    for b in beds
                ],
            )
        )
    everything = [states[b.id] for r in rooms for b in by_room.get(r.id, [])]
    return SiteNightPublic(
        id=site.id,
        name=site.name,
        confidential=site.confidential,
        rooms=shown,
        counts=counts(everything),
        by_kind={kind: counts(found) for kind, found in sorted(by_kind.items())},
        extra=counts(extra),
    )
