"""Routes of a person's legal holds, erasure and subject access export."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.intake.api.deps import Eraser, Guardian, Keys, Now, Reading, Reads, Staff, Units
from services.intake.handlers import erasure
from services.intake.queries import export
from services.intake.schemas.erasure import ErasurePublic, LegalHoldCreate, LegalHoldPublic
from services.intake.schemas.export import SubjectAccessExport

router = APIRouter(prefix="/persons", tags=["persons"])


@router.post("/{person_id}/legal-holds", status_code=201, response_model=LegalHoldPublic)
async def place_legal_hold(
    person_id: uuid.UUID, body: LegalHoldCreate, principal: Guardian, units: Units, now: Now
) -> LegalHoldPublic:
    """Block erasure, e.g. while an appeal is pending."""
    async with units(principal) as uow:
        hold = await erasure.place_hold(uow, str(person_id), body.reason, principal, now)
        await uow.commit()
    return LegalHoldPublic.model_validate(hold, from_attributes=True)


@router.post("/{person_id}/legal-holds/{hold_id}/lift", response_model=LegalHoldPublic)
async def lift_legal_hold(
    person_id: uuid.UUID, hold_id: uuid.UUID, principal: Guardian, units: Units, now: Now
) -> LegalHoldPublic:
    """End a legal hold."""
    async with units(principal) as uow:
        hold = await erasure.lift_hold(uow, str(person_id), str(hold_id), principal, now)
        await uow.commit()
    return LegalHoldPublic.model_validate(hold, from_attributes=True)


@router.post("/{person_id}/erasure", response_model=ErasurePublic)
async def erase_person(
    person_id: uuid.UUID, principal: Eraser, units: Units, keys: Keys, now: Now
) -> ErasurePublic:
    """Erase a person: their key is destroyed, and with it every copy of their data."""
    async with units(principal) as uow:
        person = await erasure.erase_person(uow, keys, str(person_id), principal, now)
        await uow.commit()
    assert person.erased_at is not None
    return ErasurePublic(person_id=person.id, erased_at=person.erased_at)


@router.get("/{person_id}/export", response_model=SubjectAccessExport)
async def export_person(
    person_id: uuid.UUID, principal: Staff, session: Reading, keys: Keys, now: Now, reads: Reads
) -> SubjectAccessExport:
    """Everything intake holds about a person (GDPR article 15), as JSON."""
    exported = await export.export(session, keys, str(person_id), principal, now.date())
    reads.record(principal, "export", exported.person.id, exported.person.id)
    return exported
