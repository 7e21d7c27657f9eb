"""Routes of a person's consents and referrals to partners."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter

from services.intake import handlers, queries
from services.intake.api.deps import Guardian, IntakeDep, Staff
from services.intake.schemas import (
    ConsentCreate,
    ConsentPublic,
    ReferralAction,
    ReferralCreate,
    ReferralMoveBody,
    ReferralPublic,
)

router = APIRouter(prefix="/persons/{person_id}", tags=["consents and referrals"])


@router.post("/consents", status_code=201, response_model=ConsentPublic)
async def give_consent(
    person_id: uuid.UUID, body: ConsentCreate, principal: Staff, intake: IntakeDep
) -> ConsentPublic:
    """Record a consent the person gives, with who recorded it and when."""
    async with intake.unit_of_work(principal) as uow:
        consent = await handlers.give_consent(
            uow, str(person_id), body, principal, datetime.now(UTC)
        )
        await uow.commit()
    return ConsentPublic.model_validate(consent, from_attributes=True)


@router.post("/consents/{consent_id}/withdraw", response_model=ConsentPublic)
async def withdraw_consent(
    person_id: uuid.UUID, consent_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> ConsentPublic:
    """Record that the person withdraws a consent."""
    async with intake.unit_of_work(principal) as uow:
        consent = await handlers.withdraw_consent(
            uow, intake.keys, str(person_id), str(consent_id), principal, datetime.now(UTC)
        )
        await uow.commit()
    return ConsentPublic.model_validate(consent, from_attributes=True)


@router.post("/referrals", status_code=201, response_model=ReferralPublic)
async def request_referral(
    person_id: uuid.UUID, body: ReferralCreate, principal: Guardian, intake: IntakeDep
) -> ReferralPublic:
    """Refer the person to a partner's service: needs their consent, or a coordinator's override."""
    async with intake.unit_of_work(principal) as uow:
        referral = await handlers.request_referral(
            uow, str(person_id), body, principal, datetime.now(UTC)
        )
        await uow.commit()
    return ReferralPublic.model_validate(referral, from_attributes=True)


@router.get("/consents", response_model=list[ConsentPublic])
async def list_consents(
    person_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> list[ConsentPublic]:
    """The person's consents, given and withdrawn, oldest first."""
    async with intake.runtime.sessions() as session:
        return await queries.consents(session, str(person_id), principal)


@router.get("/referrals", response_model=list[ReferralPublic])
async def list_referrals(
    person_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> list[ReferralPublic]:
    """The person's referrals and where each stands, oldest first (a partner sees its own)."""
    async with intake.runtime.sessions() as session:
        return await queries.referrals(session, str(person_id), principal)


referrals = APIRouter(prefix="/referrals", tags=["consents and referrals"])


@referrals.post("/{referral_id}/{action}", response_model=ReferralPublic)
async def move_referral(
    referral_id: uuid.UUID,
    action: ReferralAction,
    principal: Staff,
    intake: IntakeDep,
    body: ReferralMoveBody | None = None,
) -> ReferralPublic:
    """The partner accepts, declines (with a reason) or completes; the referrer revokes."""
    async with intake.unit_of_work(principal) as uow:
        referral = await handlers.move_referral(
            uow,
            str(referral_id),
            action,
            body.reason if body else None,
            principal,
            datetime.now(UTC),
        )
        await uow.commit()
    return ReferralPublic.model_validate(referral, from_attributes=True)
