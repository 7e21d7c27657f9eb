"""A household arrives (the offer becomes a stay, its nights slept in) and leaves (with the
reason; leaving without an orientation is a coordinator's decision, and flagged)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from sqlalchemy import update
from sqlmodel import col

from services.housing.domain.rooms import Nights
from services.housing.handlers.offers import Terms, free
from services.housing.models import BedNight, Offer, Stay
from shared.auth import Principal
from shared.events.housing import CheckedIn, CheckedOut
from shared.uow import UnitOfWork
from shared.web import Conflict, Forbidden, NotFound

log = structlog.get_logger(__name__)
ORIENTATIONS = frozenset({"orientation", "social_housing"})
"""Reasons that continue the person's shelter elsewhere (CASF L.345-2-3)."""
DECIDES_ALONE = ("coordinator", "admin")
WITHOUT_ORIENTATION = (
    "Leaving without an orientation breaks the continuity of shelter: a coordinator decides it."
)


async def check_in(uow: UnitOfWork, offer_id: str, principal: Principal, now: datetime) -> Stay:
    """The household of an open offer arrived: its bed-nights become a stay (409 when the
    offer was taken, expired or withdrawn, or is past its time)."""
    offer = await uow.session.get(Offer, offer_id, with_for_update=True)
    if offer is None:
        raise NotFound("No offer with this id.")
    if offer.status != "offered" or offer.expires_at <= now:
        status = "expired" if offer.status == "offered" else offer.status
        raise Conflict(f"this offer is no longer open: it is {status}")
    nights = Nights(offer.first_night, offer.nights)
    offer.status, offer.closed_at = "taken", now
    await uow.session.execute(
        update(BedNight)
        .where(
            col(BedNight.placement_id) == offer.placement_id,
            col(BedNight.bed_id).in_(offer.bed_ids),
            col(BedNight.night).between(nights.dates[0], nights.dates[-1]),
        )
        .values(kind="stay")
        .execution_options(synchronize_session=False)
    )
    stay = Stay(
        id=str(uuid.uuid4()),
        offer_id=offer.id,
        placement_id=offer.placement_id,
        room_id=offer.room_id,
        bed_ids=list(offer.bed_ids),
        first_night=nights.dates[0],
        last_night=nights.dates[-1],
        checked_in_by=principal.user_id,
        checked_in_at=now,
    )
    uow.session.add(stay)
    uow.record(
        CheckedIn(
            stay_id=stay.id,
            offer_id=offer.id,
            placement_id=offer.placement_id,
            site_id=offer.site_id,
            room_id=offer.room_id,
            bed_ids=stay.bed_ids,
            first_night=stay.first_night,
            last_night=stay.last_night,
            checked_in_at=now,
        )
    )
    log.info("housing.checked_in", stay_id=stay.id, offer_id=offer.id)
    return stay


async def check_out(
    uow: UnitOfWork, stay_id: str, reason: str, principal: Principal, now: datetime, terms: Terms
) -> Stay:
    """The household left today: its beds are free from tonight. Without an orientation only
    a coordinator may record it, and it is flagged."""
    stay = await uow.session.get(Stay, stay_id, with_for_update=True)
    if stay is None:
        raise NotFound("No stay with this id.")
    if stay.checked_out_at is not None:
        raise Conflict("this household has already checked out")
    oriented = reason in ORIENTATIONS
    if not oriented and not principal.has_role(*DECIDES_ALONE):
        raise Forbidden(WITHOUT_ORIENTATION)
    offer = await uow.session.get(Offer, stay.offer_id)
    if offer is None:  # the foreign key keeps it
        raise NotFound("No offer for this stay.")
    today = terms.tonight(now)
    await free(uow, stay.placement_id, stay.bed_ids, today)
    stay.checked_out_by, stay.checked_out_at = principal.user_id, now
    stay.check_out_reason, stay.flagged = reason, not oriented
    uow.record(
        CheckedOut(
            stay_id=stay.id,
            offer_id=offer.id,
            placement_id=stay.placement_id,
            site_id=offer.site_id,
            room_id=stay.room_id,
            bed_ids=stay.bed_ids,
            reason=reason,
            flagged=stay.flagged,
            last_night=today - timedelta(days=1),
            checked_out_at=now,
        )
    )
    log.info("housing.checked_out", stay_id=stay.id, reason=reason, flagged=stay.flagged)
    return stay
