"""Routes of the centre's sites and rooms: read them, add a room, add a bed."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.housing.api.deps import Manager, Now, OperatorStaff, Reading, Staff, Units
from services.housing.handlers import centre
from services.housing.queries import sites as queries
from services.housing.schemas.sites import (
    BedCreate,
    BedPublic,
    RoomCreate,
    RoomPublic,
    SiteDetail,
    SitePublic,
)
from shared.schemas import present

router = APIRouter(tags=["sites"])


@router.get("/sites", response_model=list[SitePublic])
async def list_sites(principal: Staff, session: Reading) -> list[SitePublic]:
    """The centre's sites with their room and bed counts; another organisation than the
    operator sees only that each exists (no address, no counts)."""
    return await queries.list_sites(session, principal)


@router.get("/sites/{site_id}", response_model=SiteDetail)
async def get_site(site_id: uuid.UUID, principal: OperatorStaff, session: Reading) -> SiteDetail:
    """A site with its address, rooms and beds (the operating organisation's staff)."""
    return await queries.site_detail(session, str(site_id), principal)


@router.post("/sites/{site_id}/rooms", status_code=201, response_model=RoomPublic)
async def add_room(
    site_id: uuid.UUID, body: RoomCreate, principal: Manager, units: Units, now: Now
) -> RoomPublic:
    """Add a room to a site (the operating organisation's staff); 409 if its label is taken."""
    async with units(principal) as uow:
        room = await centre.add_room(uow, str(site_id), body, principal, now)
        await uow.commit()
    return present(RoomPublic, room, beds=[])


@router.post("/rooms/{room_id}/beds", status_code=201, response_model=BedPublic)
async def add_bed(
    room_id: uuid.UUID, body: BedCreate, principal: Manager, units: Units, now: Now
) -> BedPublic:
    """Add a bed to a room (the operating organisation's staff); 409 for a second bed in a
    single room or a label taken. A bed of extra capacity names its block and nights."""
    async with units(principal) as uow:
        bed = await centre.add_bed(uow, str(room_id), body, principal, now)
        await uow.commit()
    return present(BedPublic, bed)
