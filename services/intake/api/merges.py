"""Routes of merges of duplicate records, and of the splits that undo them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.intake.api.deps import Now, Reading, Staff, Units
from services.intake.handlers import merges
from services.intake.queries import merges as queries
from services.intake.schemas.merges import MergeCreate, MergePublic, SplitCreate

router = APIRouter(tags=["merges"])


@router.post("/persons/{person_id}/merges", status_code=201, response_model=MergePublic)
async def merge_into(
    person_id: uuid.UUID, body: MergeCreate, principal: Staff, units: Units, now: Now
) -> MergePublic:
    """Merge a duplicate record into this person's, explicitly and with a reason; nothing is
    moved or deleted, so a split restores both records."""
    async with units(principal) as uow:
        record = await merges.merge(uow, str(person_id), body, principal, now)
        public = MergePublic.model_validate(record, from_attributes=True)
        await uow.commit()
    return public


@router.get("/persons/{person_id}/merges", response_model=list[MergePublic])
async def merges_of(person_id: uuid.UUID, principal: Staff, session: Reading) -> list[MergePublic]:
    """The merges this person's record took part in, oldest first."""
    return await queries.of_person(session, str(person_id), principal)


@router.post("/merges/{merge_id}/split", response_model=MergePublic)
async def split(
    merge_id: uuid.UUID, body: SplitCreate, principal: Staff, units: Units, now: Now
) -> MergePublic:
    """Undo a merge: the merged record is a person of its own again."""
    async with units(principal) as uow:
        record = await merges.split(uow, str(merge_id), body, principal, now)
        public = MergePublic.model_validate(record, from_attributes=True)
        await uow.commit()
    return public
