"""Routes of households and of needs assessments."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter

from services.intake import households, needs
from services.intake.api.deps import IntakeDep, Staff
from services.intake.schemas import (
    HouseholdCreate,
    HouseholdPublic,
    HouseholdUpdate,
    NeedsAssessmentCreate,
    NeedsAssessmentPublic,
)

router = APIRouter(tags=["households and needs"])


@router.post("/households", status_code=201, response_model=HouseholdPublic)
async def form_household(
    body: HouseholdCreate, principal: Staff, intake: IntakeDep
) -> HouseholdPublic:
    """Form a household around a reference person: members, dependants, ages, and health
    flags where the person consents."""
    async with intake.unit_of_work(principal) as uow:
        household = await households.form(uow, intake.keys, body, principal, datetime.now(UTC))
        await uow.commit()
        return await households.get(uow.session, intake.keys, household.id, principal)


@router.get("/households/{household_id}", response_model=HouseholdPublic)
async def get_household(
    household_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> HouseholdPublic:
    """A household, if the caller's organisation may see its reference person."""
    async with intake.runtime.sessions() as session:
        return await households.get(session, intake.keys, str(household_id), principal)


@router.put("/households/{household_id}", response_model=HouseholdPublic)
async def recompose_household(
    household_id: uuid.UUID, body: HouseholdUpdate, principal: Staff, intake: IntakeDep
) -> HouseholdPublic:
    """Replace the composition; send the version you read (409 if it changed since)."""
    async with intake.unit_of_work(principal) as uow:
        await households.recompose(
            uow, intake.keys, str(household_id), body, principal, datetime.now(UTC)
        )
        await uow.commit()
        return await households.get(uow.session, intake.keys, str(household_id), principal)


@router.get("/persons/{person_id}/household", response_model=HouseholdPublic)
async def household_of_person(
    person_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> HouseholdPublic:
    """The household the person belongs to (404 when none)."""
    async with intake.runtime.sessions() as session:
        return await households.of_person(session, intake.keys, str(person_id), principal)


@router.post(
    "/persons/{person_id}/needs-assessments",
    status_code=201,
    response_model=NeedsAssessmentPublic,
)
async def assess_needs(
    person_id: uuid.UUID, body: NeedsAssessmentCreate, principal: Staff, intake: IntakeDep
) -> NeedsAssessmentPublic:
    """Record what the person needs; the answer suggests partners providing each service."""
    async with intake.unit_of_work(principal) as uow:
        assessment = await needs.assess(
            uow, intake.keys, str(person_id), body, principal, datetime.now(UTC)
        )
        assessment_id = assessment.id
        await uow.commit()
        listed = await needs.assessments(uow.session, intake.keys, str(person_id), principal)
    return next(a for a in listed if a.id == assessment_id)


@router.get("/persons/{person_id}/needs-assessments", response_model=list[NeedsAssessmentPublic])
async def list_needs_assessments(
    person_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> list[NeedsAssessmentPublic]:
    """The person's needs assessments, newest first."""
    async with intake.runtime.sessions() as session:
        return await needs.assessments(session, intake.keys, str(person_id), principal)
