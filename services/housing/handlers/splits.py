"""A coordinator's split of a household over several rooms of one site: one offer per room,
made in one transaction (all or none: a bed no longer free on a night refuses the whole split),
under the same deadline, sharing the split's id. Only the first offer names the person, so
the household gets one SMS; the coordinator's reason is sealed with the person's key."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog

from services.housing.domain import rooms, splits
from services.housing.handlers.offers import Terms, expire_due, give, new_offer, offered
from services.housing.handlers.offers import placement_of as find_placement
from services.housing.models import HouseholdSplit, Offer, Room
from services.housing.queries.access import find_room
from services.housing.queries.availability import first_busy, room_states
from services.housing.schemas.offers import SplitCreate
from shared.auth import Principal
from shared.events import housing as events
from shared.keystore import KeyStoreClient, seal
from shared.uow import UnitOfWork
from shared.web import Conflict, Unprocessable

log = structlog.get_logger(__name__)


async def split_household(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    command: SplitCreate,
    principal: Principal,
    now: datetime,
    terms: Terms,
) -> tuple[HouseholdSplit, list[Offer]]:
    """One offer per room for the placement's household, all or none (409 when a bed named is
    no longer free on a night, 422 when the rooms cannot take the household this way)."""
    await expire_due(uow, now)
    placement = await find_placement(uow, str(command.placement_id))
    room_ids = [str(chosen.room_id) for chosen in command.rooms]
    if len(set(room_ids)) != len(room_ids):
        raise Unprocessable("a room is named twice")
    # one order of locks for every transaction (no deadlock): a private room is never shared
    locked = {
        room_id: await find_room(uow.session, room_id, lock=True) for room_id in sorted(room_ids)
    }
    nights = rooms.Nights(command.first_night, command.nights)
    states = {r.id: r for r in await room_states(uow.session, nights, now, room_ids)}
    split = _chosen([states[room_id] for room_id in room_ids], command, nights, principal)
    row = HouseholdSplit(
        id=str(uuid.uuid4()),
        placement_id=placement.id,
        site_id=split.site_id,
        reason_enc="",
        split_by=principal.user_id,
        split_at=now,
    )
    aad = events.split_reason_aad(placement.id, row.id)
    row.reason_enc = await seal(keys, placement.person_id, command.reason, aad)
    uow.session.add(row)
    deadline = terms.deadline_of(nights.first, now)
    made = [
        await _offer(uow, row, locked[choice.room_id], choice, nights, principal, deadline)
        for choice in split.choices
    ]
    uow.record(offered(made[0], placement.person_id))  # the first names the person: one SMS
    for offer in made[1:]:
        uow.record(offered(offer, None))
    uow.record(_announced(row, placement.person_id, made, principal.org))
    log.info("housing.household_split", split_id=row.id, placement_id=placement.id)
    return row, made


def _announced(
    row: HouseholdSplit, person_id: str, made: list[Offer], organisation_id: str
) -> events.HouseholdSplit:
    return events.HouseholdSplit(
        split_id=row.id,
        placement_id=row.placement_id,
        person_id=person_id,
        organisation_id=organisation_id,
        site_id=row.site_id,
        offer_ids=[offer.id for offer in made],
        reason=row.reason_enc,
        split_by=row.split_by,
        split_at=row.split_at,
    )


def _chosen(
    states: list[rooms.Room], command: SplitCreate, nights: rooms.Nights, principal: Principal
) -> splits.Split:
    """The split over the rooms named, their beds checked free (409) or chosen; 422 otherwise."""
    named = {str(c.room_id): [str(b) for b in c.bed_ids] for c in command.rooms if c.bed_ids}
    if named and len(named) != len(states):
        raise Unprocessable("name beds in every room of the split, or in none")
    for state in states:
        wanted = named.get(state.id, [])
        if len(set(wanted)) != len(wanted):
            raise Unprocessable("a bed is named twice")
        if not set(wanted) <= {bed.id for bed in state.beds}:
            raise Unprocessable(f"a bed named is not in room {state.id}")
        busy = first_busy(state, wanted, nights)  # or, in a private room, any of its beds
        if busy is not None:
            raise Conflict(f"this bed is no longer free on {busy.isoformat()}")
    try:
        return splits.chosen_split(
            states,
            command.household.domain(),
            nights,
            coordinator_id=principal.user_id,
            bed_ids=named or None,
        )
    except splits.SplitRefused as refused:
        raise Unprocessable(f"these rooms cannot take the household: {refused}") from refused


async def _offer(
    uow: UnitOfWork,
    row: HouseholdSplit,
    room: Room,
    choice: rooms.Choice,
    nights: rooms.Nights,
    principal: Principal,
    deadline: datetime,
) -> Offer:
    """The split's offer of one room's beds, its nights given (409 when one was taken)."""
    beds = list(choice.bed_ids)
    offer = new_offer(room, "offer", row.placement_id, beds, nights, principal, row.split_at)
    offer.expires_at, offer.split_id = deadline, row.id
    await give(uow, offer, "offer")
    log.info("housing.bed_offered", offer_id=offer.id, split_id=row.id)
    return offer
