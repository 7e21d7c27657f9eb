"""Beds given for nights: an offer of a room's beds to a household, a caseworker's short hold
of one bed, and their expiry. The `bed_nights` primary key refuses a bed given twice for a
night; the room is locked so that a private room is never shared between two households."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from services.housing.domain import rooms
from services.housing.models import BedNight, Offer, PlacementRequest, Room
from services.housing.queries.access import find_bed, find_room
from services.housing.queries.availability import first_busy, room_states
from services.housing.queries.placements import NO_PLACEMENT
from services.housing.schemas.offers import HoldCreate, OfferCreate
from services.housing.settings import HousingSettings
from shared.auth import Principal
from shared.events.housing import BedHeld, BedOffered, OfferExpired
from shared.uow import UnitOfWork
from shared.web import Conflict, NotFound, Unprocessable

log = structlog.get_logger(__name__)
EXPIRE_BATCH = 200


@dataclass(frozen=True)
class Terms:
    """How long a hold lasts, the hour an offer must be taken up by, the centre's zone."""

    hold: timedelta
    deadline: time
    zone: ZoneInfo

    @classmethod
    def of(cls, settings: HousingSettings) -> Terms:
        """The terms the service's settings give."""
        zone = ZoneInfo(settings.centre_timezone)
        return cls(timedelta(minutes=settings.hold_minutes), settings.offer_deadline, zone)

    def tonight(self, now: datetime) -> date:
        """The night that begins on today's date in the centre."""
        return now.astimezone(self.zone).date()

    def deadline_of(self, first_night: date, now: datetime) -> datetime:
        """The deadline hour of the first night; an offer made later gets a hold's time."""
        deadline = datetime.combine(first_night, self.deadline, self.zone)
        return max(deadline, now + self.hold)


async def make_offer(
    uow: UnitOfWork, command: OfferCreate, principal: Principal, now: datetime, terms: Terms
) -> Offer:
    """Beds of one room for the whole household, every night (409 when one is no longer free
    on a night, 422 when the room is not for this household)."""
    await expire_due(uow, now)
    placement = await placement_of(uow, str(command.placement_id))
    room = await find_room(uow.session, str(command.room_id), lock=True)
    nights = rooms.Nights(command.first_night, command.nights)
    household = command.household.domain()
    [state] = await room_states(uow.session, nights, now, [room.id])
    wanted = [str(bed_id) for bed_id in command.bed_ids or ()]
    bed_ids = _choose(state, household, nights, wanted)
    offer = new_offer(room, "offer", placement.id, bed_ids, nights, principal, now)
    offer.expires_at = terms.deadline_of(nights.first, now)
    await give(uow, offer, "offer")
    uow.record(offered(offer, placement.person_id))
    log.info("housing.bed_offered", offer_id=offer.id, placement_id=offer.placement_id)
    return offer


async def placement_of(uow: UnitOfWork, placement_id: str) -> PlacementRequest:
    """The placement an offer is for: housing must know it (404 otherwise), its person is
    whom the offer's SMS goes to."""
    placement = await uow.session.get(PlacementRequest, placement_id)
    if placement is None:
        raise NotFound(NO_PLACEMENT)
    return placement


def offered(offer: Offer, person_id: str | None) -> BedOffered:
    """The event of an offer made; `person_id` None when another offer's SMS says it."""
    return BedOffered(
        offer_id=offer.id,
        placement_id=offer.placement_id,
        site_id=offer.site_id,
        room_id=offer.room_id,
        bed_ids=offer.bed_ids,
        first_night=offer.first_night,
        nights=offer.nights,
        expires_at=offer.expires_at,
        offered_at=offer.offered_at,
        person_id=person_id,
        split_id=offer.split_id,
    )


async def hold_bed(
    uow: UnitOfWork, command: HoldCreate, principal: Principal, now: datetime, terms: Terms
) -> Offer:
    """One bed for tonight, for `terms.hold`; 409 when it (or its private room) is taken."""
    await expire_due(uow, now)
    bed = await find_bed(uow.session, str(command.bed_id))
    room = await find_room(uow.session, bed.room_id, lock=True)
    nights = rooms.Nights(terms.tonight(now))
    [state] = await room_states(uow.session, nights, now, [room.id])
    busy = first_busy(state, [bed.id], nights)
    if busy is not None:
        raise Conflict(f"this bed is no longer free on {busy.isoformat()}")
    hold_id = str(uuid.uuid4())
    placement = str(command.placement_id) if command.placement_id else hold_id
    offer = new_offer(room, "hold", placement, [bed.id], nights, principal, now, offer_id=hold_id)
    offer.expires_at = now + terms.hold
    await give(uow, offer, "hold")
    uow.record(
        BedHeld(
            offer_id=offer.id,
            placement_id=placement,
            site_id=offer.site_id,
            room_id=offer.room_id,
            bed_id=bed.id,
            night=nights.first,
            expires_at=offer.expires_at,
            held_at=now,
        )
    )
    log.info("housing.bed_held", offer_id=offer.id, bed_id=bed.id)
    return offer


async def expire_due(uow: UnitOfWork, now: datetime) -> int:
    """Expire the offers and holds past their time: free their beds, say so; how many."""
    query = (
        select(Offer)
        .where(col(Offer.status) == "offered", col(Offer.expires_at) <= now)
        .order_by(col(Offer.expires_at), col(Offer.id))
        .limit(EXPIRE_BATCH)
    )
    expired = 0
    for offer in (await uow.session.execute(query)).scalars().all():
        claimed = await uow.session.execute(
            update(Offer)
            .where(col(Offer.id) == offer.id, col(Offer.status) == "offered")
            .values(status="expired", closed_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # another worker took it
            continue
        await free(uow, offer.placement_id, offer.bed_ids, offer.first_night)
        uow.record(_expired(offer, now))
        log.info("housing.offer_expired", offer_id=offer.id, kind=offer.kind)
        expired += 1
    return expired


async def free(uow: UnitOfWork, placement_id: str, bed_ids: Iterable[str], since: date) -> None:
    """Give back the placement's nights of these beds from `since` on."""
    await uow.session.execute(
        delete(BedNight)
        .where(
            col(BedNight.placement_id) == placement_id,
            col(BedNight.bed_id).in_(list(bed_ids)),
            col(BedNight.night) >= since,
        )
        .execution_options(synchronize_session=False)
    )


def _choose(
    state: rooms.Room, household: rooms.Household, nights: rooms.Nights, wanted: list[str]
) -> list[str]:
    """The beds the household holds: those asked for, or the room's best choice."""
    if len(set(wanted)) != len(wanted):
        raise Unprocessable("a bed is named twice")
    if wanted and len(wanted) != len(household.members):
        raise Unprocessable("name one bed per member of the household, or none")
    if wanted and not set(wanted) <= {bed.id for bed in state.beds}:
        raise Unprocessable("a bed named is not in this room")
    busy = first_busy(state, wanted, nights)
    if busy is not None:
        raise Conflict(f"this bed is no longer free on {busy.isoformat()}")
    choices = rooms.candidates([state], household, nights)
    if not choices:
        reason = rooms.why_not([state], household, nights)[state.id]
        raise Unprocessable(f"this room cannot take the household: {reason}")
    return wanted or list(choices[0].bed_ids)


def new_offer(
    room: Room,
    kind: str,
    placement_id: str,
    bed_ids: list[str],
    nights: rooms.Nights,
    principal: Principal,
    now: datetime,
    offer_id: str | None = None,
) -> Offer:
    """An open offer (or hold) of these beds of the room, expiring now until told otherwise."""
    return Offer(
        id=offer_id or str(uuid.uuid4()),
        kind=kind,
        placement_id=placement_id,
        site_id=room.site_id,
        room_id=room.id,
        bed_ids=bed_ids,
        first_night=nights.first,
        nights=nights.count,
        status="offered",
        expires_at=now,
        offered_by=principal.user_id,
        offered_at=now,
    )


async def give(uow: UnitOfWork, offer: Offer, kind: str) -> None:
    """One `bed_nights` row per bed and night, night by night: the night a row is refused is
    the night named in the 409 (a concurrent transaction gave it first)."""
    uow.session.add(offer)
    await uow.session.flush()
    for night in rooms.Nights(offer.first_night, offer.nights).dates:
        for bed_id in offer.bed_ids:
            uow.session.add(
                BedNight(
                    bed_id=bed_id,
                    night=night,
                    kind=kind,
                    placement_id=offer.placement_id,
                    created_at=offer.offered_at,
                )
            )
        try:
            await uow.session.flush()
        except IntegrityError as exc:
            raise Conflict(f"this bed is no longer free on {night.isoformat()}") from exc


def _expired(offer: Offer, now: datetime) -> OfferExpired:
    return OfferExpired(
        offer_id=offer.id,
        kind=offer.kind,
        placement_id=offer.placement_id,
        site_id=offer.site_id,
        room_id=offer.room_id,
        bed_ids=offer.bed_ids,
        first_night=offer.first_night,
        nights=offer.nights,
        expired_at=now,
    )
