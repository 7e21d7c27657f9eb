"""Who may see what of the centre: its operator sees everything; another organisation sees of
each site only that it exists (no address, no rooms, no beds)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.housing.models import Bed, Room, Site
from shared.auth import Principal
from shared.web import Forbidden, NotFound

OPERATOR_ONLY = "Only the centre's operating organisation manages its sites, rooms and beds."


def operates(principal: Principal, operator: str) -> None:
    """403 unless the caller belongs to the organisation that runs the centre (checked before
    any id is looked up: the answer is the same whether it exists or not)."""
    if principal.org != operator:
        raise Forbidden(OPERATOR_ONLY)


def sees_inside(principal: Principal, site: Site) -> bool:
    """Whether the caller may see the site's address, rooms and beds: its operator's staff
    only (partners, coordinators of other organisations included, see that a place exists)."""
    return principal.org == site.organisation_id


async def find_site(session: AsyncSession, site_id: str, *, lock: bool = False) -> Site:
    """The site, or 404."""
    site = await session.get(Site, site_id, with_for_update=lock)
    if site is None:
        raise NotFound("No site with this id.")
    return site


async def find_room(session: AsyncSession, room_id: str, *, lock: bool = False) -> Room:
    """The room, or 404."""
    room = await session.get(Room, room_id, with_for_update=lock)
    if room is None:
        raise NotFound("No room with this id.")
    return room


async def find_bed(session: AsyncSession, bed_id: str, *, lock: bool = False) -> Bed:
    """The bed, or 404."""
    bed = await session.get(Bed, bed_id, with_for_update=lock)
    if bed is None:
        raise NotFound("No bed with this id.")
    return bed
