"""Routes of a person's referrals to partners, and of their moves."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.intake.api.deps import Guardian, Now, Reading, Staff, Units
from services.intake.handlers import referrals
from services.intake.queries import referrals as queries
from services.intake.schemas.referrals import (
    ReferralAction,
    ReferralCreate,
    ReferralMoveBody,
    ReferralPublic,
)

router = APIRouter(prefix="/persons/{person_id}", tags=["consents and referrals"])
moves = APIRouter(prefix="/referrals", tags=["consents and referrals"])


@router.post("/referrals", status_code=201, response_model=ReferralPublic)
async def request_referral(
    person_id: uuid.UUID, body: ReferralCreate, principal: Guardian, units: Units, now: Now
) -> ReferralPublic:
    """Refer the person to a partner's service: needs their consent, or a coordinator's override."""
    async with units(principal) as uow:
        referral = await referrals.request_referral(uow, str(person_id), body, principal, now)
        await uow.commit()
    return ReferralPublic.model_validate(referral, from_attributes=True)


@router.get("/referrals", response_model=list[ReferralPublic])
async def list_referrals(
    person_id: uuid.UUID, principal: Staff, session: Reading
) -> list[ReferralPublic]:
    """The person's referrals and where each stands, oldest first (a partner sees its own)."""
    return await queries.referrals(session, str(person_id), principal)


@moves.post("/{referral_id}/{action}", response_model=ReferralPublic)
async def move_referral(
    referral_id: uuid.UUID,
    action: ReferralAction,
    principal: Staff,
    units: Units,
    now: Now,
    body: ReferralMoveBody | None = None,
) -> ReferralPublic:
    """The partner accepts, declines (with a reason) or completes; the referrer revokes."""
    reason = body.reason if body else None
    async with units(principal) as uow:
        referral = await referrals.move_referral(
            uow, str(referral_id), action, reason, principal, now
        )
        await uow.commit()
    return ReferralPublic.model_validate(referral, from_attributes=True)
