"""Routes of a partner's inbox of referrals: read them, accept or decline each, and choose the
services whose referrals it accepts as they arrive."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.casework.api.deps import CaseworkDep, Caseworker
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
from shared.auth import Principal, require_roles

router = APIRouter(prefix="/referrals", tags=["referrals"])
# the organisation's own way of working: its coordinators or administrators choose it
Manager = Annotated[Principal, Depends(require_roles("coordinator", "admin"))]


@router.get("/incoming", response_model=IncomingPage)
async def incoming(
    principal: Caseworker, casework: CaseworkDep, filters: Annotated[IncomingFilters, Query()]
) -> IncomingPage:
    """The referrals the caller's organisation received, pending first, a page at a time."""
    async with casework.runtime.sessions() as session:
        return await queries.inbox(session, casework.keys, principal, filters)


@router.get("/incoming/{referral_id}", response_model=IncomingPublic)
async def incoming_referral(
    referral_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> IncomingPublic:
    """A referral the caller's organisation received; 404 for any other organisation."""
    async with casework.runtime.sessions() as session:
        found = await queries.find_incoming(session, str(referral_id), principal)
        return await queries.public(casework.keys, found)


@router.post("/incoming/{referral_id}/accept", response_model=IncomingPublic)
async def accept(
    referral_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> IncomingPublic:
    """Take the referral on: the person's case opens in the organisation, once; 409 once the
    referral is answered (or revoked)."""
    async with casework.unit_of_work(principal) as uow:
        accepted = await referrals.accept(uow, str(referral_id), principal, casework.clock())
        await uow.commit()
    return await queries.public(casework.keys, accepted)


@router.post("/incoming/{referral_id}/decline", response_model=IncomingPublic)
async def decline(
    referral_id: uuid.UUID, body: DeclineCreate, principal: Caseworker, casework: CaseworkDep
) -> IncomingPublic:
    """Say no, with a reason (kept and sent encrypted); intake shows it to the referrer."""
    async with casework.unit_of_work(principal) as uow:
        declined = await referrals.decline(
            uow, casework.keys, str(referral_id), body.reason, principal, casework.clock()
        )
        await uow.commit()
    return await queries.public(casework.keys, declined)


@router.get("/settings", response_model=ReferralSettingsPublic)
async def settings(principal: Manager, casework: CaseworkDep) -> ReferralSettingsPublic:
    """The services whose referrals the caller's organisation accepts as they arrive."""
    async with casework.runtime.sessions() as session:
        return await queries.settings_of(session, principal.org)


@router.put("/settings", response_model=ReferralSettingsPublic)
async def change_settings(
    body: ReferralSettingsUpdate, principal: Manager, casework: CaseworkDep
) -> ReferralSettingsPublic:
    """Opt in (or out) of accepting referrals automatically, per service, from now on."""
    async with casework.unit_of_work(principal) as uow:
        services = [s.value for s in body.auto_accept]
        await referrals.set_auto_accept(uow.session, services, principal, casework.clock())
        await uow.commit()
    async with casework.runtime.sessions() as session:
        return await queries.settings_of(session, principal.org)
