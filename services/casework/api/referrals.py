"""Routes of a partner's inbox of referrals: read them, accept or decline each, and choose the
services whose referrals it accepts as they arrive."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.casework.api.deps import Caseworker, Coordinator, Keys, Now, Reading, Units
from services.casework.handlers import referrals
from services.casework.queries import referrals as queries
from services.casework.schemas.referrals import (
    DeclineCreate,
    IncomingFilters,
    IncomingPage,
    IncomingPublic,
    ReferralSettingsPublic,
    ReferralSettingsUpdate,
)

router = APIRouter(prefix="/referrals", tags=["referrals"])


@router.get("/incoming", response_model=IncomingPage)
async def incoming(
    principal: Caseworker,
    session: Reading,
    keys: Keys,
    filters: Annotated[IncomingFilters, Query()],
) -> IncomingPage:
    """The referrals the caller's organisation received, pending first, a page at a time."""
    return await queries.inbox(session, keys, principal, filters)


@router.get("/incoming/{referral_id}", response_model=IncomingPublic)
async def incoming_referral(
    referral_id: uuid.UUID, principal: Caseworker, session: Reading, keys: Keys
) -> IncomingPublic:
    """A referral the caller's organisation received; 404 for any other organisation."""
    found = await queries.find_incoming(session, str(referral_id), principal)
    return await queries.public(keys, found)


@router.post("/incoming/{referral_id}/accept", response_model=IncomingPublic)
async def accept(
    referral_id: uuid.UUID, principal: Caseworker, units: Units, now: Now, keys: Keys
) -> IncomingPublic:
    """Take the referral on: the person's case opens in the organisation, once; 409 once the
    referral is answered (or revoked)."""
    async with units(principal) as uow:
        accepted = await referrals.accept(uow, str(referral_id), principal, now)
        await uow.commit()
    return await queries.public(keys, accepted)


@router.post("/incoming/{referral_id}/decline", response_model=IncomingPublic)
async def decline(
    referral_id: uuid.UUID,
    body: DeclineCreate,
    principal: Caseworker,
    units: Units,
    now: Now,
    keys: Keys,
) -> IncomingPublic:
    """Say no, with a reason (kept and sent encrypted); intake shows it to the referrer."""
    async with units(principal) as uow:
        declined = await referrals.decline(uow, keys, str(referral_id), body.reason, principal, now)
        await uow.commit()
    return await queries.public(keys, declined)


# the organisation's own way of working: its coordinators or administrators choose it
@router.get("/settings", response_model=ReferralSettingsPublic)
async def settings(principal: Coordinator, session: Reading) -> ReferralSettingsPublic:
    """The services whose referrals the caller's organisation accepts as they arrive."""
    return await queries.settings_of(session, principal.org)


@router.put("/settings", response_model=ReferralSettingsPublic)
async def change_settings(
    body: ReferralSettingsUpdate,
    principal: Coordinator,
    units: Units,
    now: Now,
    session: Reading,
) -> ReferralSettingsPublic:
    """Opt in (or out) of accepting referrals automatically, per service, from now on."""
    async with units(principal) as uow:
        services = [s.value for s in body.auto_accept]
        await referrals.set_auto_accept(uow.session, services, principal, now)
        await uow.commit()
    return await queries.settings_of(session, principal.org)
