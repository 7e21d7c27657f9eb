"""Entering the centre's plan into the database: once, however often the service starts."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import select
from sqlmodel import col

from services.housing.domain import centre
from services.housing.domain.plan import Plan, RoomPlan, SitePlan
from services.housing.models import Bed, Room, Site
from shared.events.housing import BedAdded
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
PLAN = "plan"  # who added the rooms and beds that come from the plan


async def load(uow: UnitOfWork, plan: Plan, operator: str, now: datetime) -> int:
    """Enter each site of the plan that is not in the database yet, with its rooms and beds,
    and stage their events; the number of sites entered."""
    known = set((await uow.session.execute(select(col(Site.id)))).scalars())
    added = [site for site in plan.sites if site.id not in known]
    rows: Rows = ([], [], [])
    for site in added:
        _enter_site(uow, site, operator, now, rows)
    for level in rows:  # sites, then rooms, then beds: each refers to the one before
        uow.session.add_all(level)
        await uow.session.flush()
    log.info("housing.plan_loaded", sites_added=len(added), sites_known=len(known))
    return len(added)


Rows = tuple[list[Site], list[Room], list[Bed]]


def _enter_site(uow: UnitOfWork, site: SitePlan, operator: str, now: datetime, rows: Rows) -> None:
    rows[0].append(
        Site(
            id=site.id,
            code=site.code,
            organisation_id=operator,
            name=site.name,
            address=site.address,
            confidential=site.confidential,
            declared_at=now,
        )
    )
    uow.record(centre.declare_site(site, operator, now))
    for room in site.rooms:
        _enter_room(uow, (site, room), operator, now, rows)


def _enter_room(
    uow: UnitOfWork,
    where: tuple[SitePlan, RoomPlan],
    operator: str,
    now: datetime,
    rows: Rows,
) -> None:
    site, room = where
    room_id = site.room_id(room)
    added = centre.add_room(
        room_id=room_id,
        site_id=site.id,
        organisation_id=operator,
        label=room.label,
        kind=room.kind,
        accessible=room.accessible,
        cot=room.cot,
        taken=(),
        now=now,
    )
    rows[1].append(
        Room(
            id=room_id,
            site_id=site.id,
            label=added.label,
            kind=added.kind,
            accessible=room.accessible,
            cot=room.cot,
            added_by=PLAN,
            added_at=now,
        )
    )
    uow.record(added)
    facts = centre.RoomFacts(room_id, site.id, operator, room.kind, frozenset())
    for label in room.beds:
        bed_id = site.bed_id(room, label)
        event = centre.add_bed(facts, bed_id=bed_id, label=label, extra=room.extra, now=now)
        rows[2].append(bed_row(event, PLAN))
        uow.record(event)


def bed_row(event: BedAdded, added_by: str) -> Bed:
    """The row of a bed as its event says."""
    return Bed(
        id=event.bed_id,
        room_id=event.room_id,
        site_id=event.site_id,
        label=event.label,
        extra_block=event.extra_block,
        extra_first_night=event.extra_first_night,
        extra_last_night=event.extra_last_night,
        added_by=added_by,
        added_at=event.added_at,
    )
