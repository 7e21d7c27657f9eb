"""Reading the centre: its sites as the caller may see them, a site's rooms and beds, and a
bed's periods out of service."""

from __future__ import annotations

from collections import defaultdict
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.housing.models import Bed, BedOutage, Room, Site
from services.housing.queries.access import find_site, sees_inside
from services.housing.schemas.beds import OutagePublic
from services.housing.schemas.sites import BedPublic, RoomPublic, SiteDetail, SitePublic
from shared.auth import Principal
from shared.schemas import present

Counts = tuple[int, int, int]  # rooms, permanent beds, extra beds
M = TypeVar("M", bound=SitePublic)


async def list_sites(session: AsyncSession, principal: Principal) -> list[SitePublic]:
    """Every site, by name; to another organisation than its operator, only that it exists."""
    sites = (await session.execute(select(Site).order_by(col(Site.name)))).scalars().all()
    counts = await _counts(session)
    return [_public(SitePublic, site, principal, counts.get(site.id, (0, 0, 0))) for site in sites]


async def site_detail(session: AsyncSession, site_id: str, principal: Principal) -> SiteDetail:
    """The site with its rooms and beds, when the caller may see inside it; 404 if unknown."""
    site = await find_site(session, site_id)
    if not sees_inside(principal, site):
        return _public(SiteDetail, site, principal, (0, 0, 0), rooms=None)
    rooms = await rooms_of(session, site.id)
    beds = [bed for room in rooms for bed in room.beds]
    extra = sum(1 for bed in beds if bed.extra_block is not None)
    counts = (len(rooms), len(beds) - extra, extra)
    return _public(SiteDetail, site, principal, counts, rooms=rooms)


async def rooms_of(session: AsyncSession, site_id: str) -> list[RoomPublic]:
    """The site's rooms with their beds, by label."""
    rooms_query = select(Room).where(col(Room.site_id) == site_id).order_by(col(Room.label))
    rooms = (await session.execute(rooms_query)).scalars().all()
    beds_query = select(Bed).where(col(Bed.room_id).in_([room.id for room in rooms]))
    by_room: dict[str, list[BedPublic]] = defaultdict(list)
    for bed in (await session.execute(beds_query.order_by(col(Bed.label)))).scalars():
        by_room[bed.room_id].append(present(BedPublic, bed))
    return [present(RoomPublic, room, beds=by_room[room.id]) for room in rooms]


async def outages_of(session: AsyncSession, bed_id: str) -> list[OutagePublic]:
    """The bed's periods out of service, earliest first."""
    query = (
        select(BedOutage)
        .where(col(BedOutage.bed_id) == bed_id)
        .order_by(col(BedOutage.first_night), col(BedOutage.id))
    )
    return [present(OutagePublic, row) for row in (await session.execute(query)).scalars()]


async def _counts(session: AsyncSession) -> dict[str, Counts]:
    rooms = select(col(Room.site_id), func.count()).group_by(col(Room.site_id))
    beds = select(col(Bed.site_id), col(Bed.extra_block).is_(None), func.count()).group_by(
        col(Bed.site_id), col(Bed.extra_block).is_(None)
    )
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for site_id, count in (await session.execute(rooms)).all():
        found[site_id][0] = count
    for site_id, permanent, count in (await session.execute(beds)).all():
        found[site_id][1 if permanent else 2] += count
    return {site_id: (c[0], c[1], c[2]) for site_id, c in found.items()}


def _public(kind: type[M], site: Site, principal: Principal, counts: Counts, **values: object) -> M:
    if not sees_inside(principal, site):
        hidden = dict.fromkeys(("address", "room_count", "bed_count", "extra_bed_count"))
        return present(kind, site, restricted=True, **hidden, **values)
    rooms, beds, extra = counts
    return present(
        kind,
        site,
        restricted=False,
        room_count=rooms,
        bed_count=beds,
        extra_bed_count=extra,
        **values,
    )
