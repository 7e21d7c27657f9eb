"""Routes of merges of duplicate records, and of the splits that undo them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter

from services.intake import merges
from services.intake.api.deps import IntakeDep, Staff
from services.intake.schemas import MergeCreate, MergePublic, SplitCreate

router = APIRouter(tags=["merges"])


@router.post("/persons/{person_id}/merges", status_code=201, response_model=MergePublic)
async def merge_into(
    person_id: uuid.UUID, body: MergeCreate, principal: Staff, intake: IntakeDep
) -> MergePublic:
    """Merge a duplicate record into this person's, explicitly and with a reason; nothing is
    moved or deleted, so a split restores both records."""
    async with intake.unit_of_work(principal) as uow:
        record = await merges.merge(uow, str(person_id), body, principal, datetime.now(UTC))
        public = MergePublic.model_validate(record, from_attributes=True)
        await uow.commit()
    return public


@router.get("/persons/{person_id}/merges", response_model=list[MergePublic])
async def merges_of(person_id: uuid.UUID, principal: Staff, intake: IntakeDep) -> list[MergePublic]:
    """The merges this person's record took part in, oldest first."""
    async with intake.runtime.sessions() as session:
        return await merges.of_person(session, str(person_id), principal)


@router.post("/merges/{merge_id}/split", response_model=MergePublic)
async def split(
    merge_id: uuid.UUID, body: SplitCreate, principal: Staff, intake: IntakeDep
) -> MergePublic:
    """Undo a merge: the merged record is a person of its own again."""
    async with intake.unit_of_work(principal) as uow:
        record = await merges.split(uow, str(merge_id), body, principal, datetime.now(UTC))
        public = MergePublic.model_validate(record, from_attributes=True)
        await uow.commit()
    return public
