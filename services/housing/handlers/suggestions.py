"""The next household for the beds an expired offer freed: the first on the waiting list,
not the expired offer's own and not already offered or placed, that the freed room takes
whole for the nights left of the offer. Recorded, and said, even when nobody fits."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import structlog
from sqlalchemy import select
from sqlmodel import col

from services.housing.domain import priority, rooms
from services.housing.models import Offer, Suggestion
from services.housing.queries import suggestions as queries
from services.housing.queries.availability import room_states
from shared.events.housing import NextSuggested
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
BATCH = 200
CATCH_UP = timedelta(days=2)
"""How far back the worker looks for an expired offer still without its suggestion."""


def nights_left(offer: Offer, tonight: date) -> rooms.Nights | None:
    """The offer's nights from tonight on, or None when every one is past."""
    last = offer.first_night + timedelta(days=offer.nights - 1)
    first = max(offer.first_night, tonight)
    if first > last:
        return None
    return rooms.Nights(first, (last - first).days + 1)


async def suggest_next(
    uow: UnitOfWork,
    offer: Offer,
    book: priority.RuleBook,
    tonight: date,
    now: datetime,
    passed_over: set[str] | None = None,
) -> Suggestion:
    """Record (and announce) the household suggested for the offer's freed room, or why none;
    `passed_over`: requests already suggested in the same scan, left for other rooms."""
    skip = {offer.placement_id} | (passed_over or set())
    nights = nights_left(offer, tonight)
    suggestion = Suggestion(
        id=str(uuid.uuid4()),
        offer_id=offer.id,
        expired_placement_id=offer.placement_id,
        site_id=offer.site_id,
        room_id=offer.room_id,
        bed_ids=[],
        first_night=nights.first if nights else tonight,
        nights=nights.count if nights else 0,
        suggested_at=now,
    )
    if nights is None:
        suggestion.reason = "no_night_left"
    else:
        waiting = await queries.in_line(uow.session, book, tonight)
        line = [(n, p) for n, p in waiting if p.id not in skip]
        if not line:
            suggestion.reason = "nobody_waiting"
        else:
            [state] = await room_states(uow.session, nights, now, [offer.room_id])
            for position, placement in line:
                choices = rooms.candidates([state], queries.household_of(placement), nights)
                if choices:
                    suggestion.placement_id, suggestion.position = placement.id, position
                    suggestion.bed_ids = list(choices[0].bed_ids)
                    break
            else:
                suggestion.reason = "nobody_fits"
    uow.session.add(suggestion)
    uow.record(_event(suggestion))
    if passed_over is not None and suggestion.placement_id is not None:
        passed_over.add(suggestion.placement_id)
    log.info(
        "housing.next_suggested",
        offer_id=offer.id,
        placement_id=suggestion.placement_id,
        reason=suggestion.reason,
    )
    return suggestion


async def suggest_for_expired(
    uow: UnitOfWork, book: priority.RuleBook, tonight: date, now: datetime
) -> int:
    """Suggest the next household for each offer expired lately and not yet followed by a
    suggestion (by the worker's scan just now, or by a request that found it past its hour);
    holds get none: a caseworker brought a known person. One household once per scan; how
    many suggestions."""
    suggested = select(col(Suggestion.offer_id))
    query = (
        select(Offer)
        .where(
            col(Offer.kind) == "offer",
            col(Offer.status) == "expired",
            col(Offer.closed_at) > now - CATCH_UP,
            col(Offer.id).not_in(suggested),
        )
        .order_by(col(Offer.expires_at), col(Offer.id))
        .limit(BATCH)
    )
    offers = (await uow.session.execute(query)).scalars().all()
    passed_over: set[str] = set()
    for offer in offers:
        await suggest_next(uow, offer, book, tonight, now, passed_over)
    return len(offers)


def _event(suggestion: Suggestion) -> NextSuggested:
    return NextSuggested(
        suggestion_id=suggestion.id,
        offer_id=suggestion.offer_id,
        expired_placement_id=suggestion.expired_placement_id,
        placement_id=suggestion.placement_id,
        site_id=suggestion.site_id,
        room_id=suggestion.room_id,
        bed_ids=suggestion.bed_ids,
        first_night=suggestion.first_night,
        nights=suggestion.nights,
        reason=suggestion.reason,
        suggested_at=suggestion.suggested_at,
    )
