"""The operator edits the centre: a room of a site, a bed of a room, a bed out of service."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from services.housing.domain import centre
from services.housing.domain.plan import ExtraCapacity, RoomKind
from services.housing.handlers.plan import bed_row
from services.housing.models import Bed, BedNight, BedOutage, Room
from services.housing.queries.access import find_bed, find_room, find_site
from services.housing.schemas.beds import OutageCreate
from services.housing.schemas.sites import BedCreate, RoomCreate
from shared.auth import Principal
from shared.uow import UnitOfWork
from shared.web import Conflict

log = structlog.get_logger(__name__)


async def add_room(
    uow: UnitOfWork, site_id: str, command: RoomCreate, principal: Principal, now: datetime
) -> Room:
    """A new room of the site (409 when the site has a room of that label)."""
    site = await find_site(uow.session, site_id, lock=True)
    taken = await uow.session.execute(select(col(Room.label)).where(col(Room.site_id) == site.id))
    event = centre.add_room(
        room_id=str(uuid.uuid4()),
        site_id=site.id,
        organisation_id=site.organisation_id,
        label=command.label,
        kind=command.kind,
        accessible=command.accessible,
        cot=command.cot,
        taken=taken.scalars(),
        now=now,
    )
    room = Room(
        id=event.room_id,
        site_id=site.id,
        label=event.label,
        kind=event.kind,
        accessible=event.accessible,
        cot=event.cot,
        added_by=principal.user_id,
        added_at=now,
    )
    uow.session.add(room)
    uow.record(event)
    await _flush(uow, "a room of this label was added at the same moment")
    log.info("housing.room_added", site_id=site.id, room_id=room.id)
    return room


async def add_bed(
    uow: UnitOfWork, room_id: str, command: BedCreate, principal: Principal, now: datetime
) -> Bed:
    """A new bed of the room (409 for a second bed in a single room, or a label taken)."""
    room = await find_room(uow.session, room_id, lock=True)
    site = await find_site(uow.session, room.site_id)
    event = centre.add_bed(
        await _facts(uow, room, site.organisation_id),
        bed_id=str(uuid.uuid4()),
        label=command.label,
        extra=_extra(command),
        now=now,
    )
    bed = bed_row(event, principal.user_id)
    uow.session.add(bed)
    uow.record(event)
    await _flush(uow, "a bed of this label was added at the same moment")
    log.info("housing.bed_added", room_id=room.id, bed_id=bed.id)
    return bed


async def put_out_of_service(
    uow: UnitOfWork, bed_id: str, command: OutageCreate, principal: Principal, now: datetime
) -> BedOutage:
    """The bed cannot be given for these nights (409 over another outage or a night it is
    given); the bed is locked so that two outages never both pass the check."""
    bed = await find_bed(uow.session, bed_id, lock=True)
    room = await find_room(uow.session, bed.room_id)
    site = await find_site(uow.session, bed.site_id)
    period = centre.Period(command.first_night, command.last_night)
    outages, held = await _taken(uow, bed.id, period)
    event = centre.put_out_of_service(
        await _facts(uow, room, site.organisation_id),
        outage_id=str(uuid.uuid4()),
        bed_id=bed.id,
        period=period,
        outages=outages,
        held=held,
        now=now,
    )
    outage = BedOutage(
        id=event.outage_id,
        bed_id=bed.id,
        first_night=period.first,
        last_night=period.last,
        reason=command.reason,
        added_by=principal.user_id,
        added_at=now,
    )
    uow.session.add(outage)
    uow.record(event)
    log.info("housing.bed_out_of_service", bed_id=bed.id, outage_id=outage.id)
    return outage


async def _taken(
    uow: UnitOfWork, bed_id: str, period: centre.Period
) -> tuple[list[centre.Period], list[date]]:
    """The bed's outages, and the nights of `period` it is given."""
    outages = select(col(BedOutage.first_night), col(BedOutage.last_night)).where(
        col(BedOutage.bed_id) == bed_id
    )
    held = select(col(BedNight.night)).where(
        col(BedNight.bed_id) == bed_id, col(BedNight.night).between(period.first, period.last)
    )
    return (
        [centre.Period(first, last) for first, last in (await uow.session.execute(outages)).all()],
        list((await uow.session.execute(held)).scalars()),
    )


async def _facts(uow: UnitOfWork, room: Room, organisation_id: str) -> centre.RoomFacts:
    labels = await uow.session.execute(select(col(Bed.label)).where(col(Bed.room_id) == room.id))
    return centre.RoomFacts(
        room.id, room.site_id, organisation_id, RoomKind(room.kind), frozenset(labels.scalars())
    )


def _extra(command: BedCreate) -> ExtraCapacity | None:
    block, first, last = command.extra_block, command.extra_first_night, command.extra_last_night
    if block is None or first is None or last is None:  # the schema wants all three or none
        return None
    return ExtraCapacity(id=block, label=block, first_night=first, last_night=last)


async def _flush(uow: UnitOfWork, conflict: str) -> None:
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # the unique constraint saw what the check could not yet
        raise Conflict(conflict) from exc
