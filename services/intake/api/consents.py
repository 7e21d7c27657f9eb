"""Routes of a person's consents."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.intake.api.deps import Keys, Now, Reading, Staff, Units
from services.intake.handlers import consents
from services.intake.queries import consents as queries
from services.intake.schemas.consents import ConsentCreate, ConsentPublic

router = APIRouter(prefix="/persons/{person_id}", tags=["consents and referrals"])


@router.post("/consents", status_code=201, response_model=ConsentPublic)
async def give_consent(
    person_id: uuid.UUID, body: ConsentCreate, principal: Staff, units: Units, now: Now
) -> ConsentPublic:
    """Record a consent the person gives, with who recorded it and when."""
    async with units(principal) as uow:
        consent = await consents.give_consent(uow, str(person_id), body, principal, now)
        await uow.commit()
    return ConsentPublic.model_validate(consent, from_attributes=True)


@router.post("/consents/{consent_id}/withdraw", response_model=ConsentPublic)
async def withdraw_consent(
    person_id: uuid.UUID,
    consent_id: uuid.UUID,
    principal: Staff,
    units: Units,
    keys: Keys,
    now: Now,
) -> ConsentPublic:
    """Record that the person withdraws a consent."""
    async with units(principal) as uow:
        consent = await consents.withdraw_consent(
            uow, keys, str(person_id), str(consent_id), principal, now
        )
        await uow.commit()
    return ConsentPublic.model_validate(consent, from_attributes=True)


@router.get("/consents", response_model=list[ConsentPublic])
async def list_consents(
    person_id: uuid.UUID, principal: Staff, session: Reading
) -> list[ConsentPublic]:
    """The person's consents, given and withdrawn, oldest first."""
    return await queries.consents(session, str(person_id), principal)
