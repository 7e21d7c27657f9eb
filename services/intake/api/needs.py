"""Routes of needs assessments."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.intake.api.deps import Keys, Now, Reading, Reads, Staff, Units
from services.intake.handlers import needs
from services.intake.queries import needs as queries
from services.intake.schemas.needs import NeedsAssessmentCreate, NeedsAssessmentPublic

router = APIRouter(tags=["households and needs"])


@router.post(
    "/persons/{person_id}/needs-assessments",
    status_code=201,
    response_model=NeedsAssessmentPublic,
)
async def assess_needs(
    person_id: uuid.UUID,
    body: NeedsAssessmentCreate,
    principal: Staff,
    units: Units,
    keys: Keys,
    now: Now,
) -> NeedsAssessmentPublic:
    """Record what the person needs; the answer suggests partners providing each service."""
    async with units(principal) as uow:
        assessment = await needs.assess(uow, keys, str(person_id), body, principal, now)
        assessment_id = assessment.id
        await uow.commit()
        listed = await queries.assessments(uow.session, keys, str(person_id), principal)
    return next(a for a in listed if a.id == assessment_id)


@router.get("/persons/{person_id}/needs-assessments", response_model=list[NeedsAssessmentPublic])
async def list_needs_assessments(
    person_id: uuid.UUID, principal: Staff, session: Reading, keys: Keys, reads: Reads
) -> list[NeedsAssessmentPublic]:
    """The person's needs assessments, newest first."""
    assessments = await queries.assessments(session, keys, str(person_id), principal)
    reads.record(principal, "needs_assessments", str(person_id), str(person_id))
    return assessments
