"""Routes of households."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.intake.api.deps import Keys, Now, Reading, Reads, Staff, Units
from services.intake.handlers import households
from services.intake.queries import households as queries
from services.intake.schemas.households import HouseholdCreate, HouseholdPublic, HouseholdUpdate

router = APIRouter(tags=["households and needs"])


@router.post("/households", status_code=201, response_model=HouseholdPublic)
async def form_household(
    body: HouseholdCreate, principal: Staff, units: Units, keys: Keys, now: Now
) -> HouseholdPublic:
    """Form a household around a reference person: members, dependants, ages, and health
    flags where the person consents."""
    async with units(principal) as uow:
        household = await households.form(uow, keys, body, principal, now)
        await uow.commit()
        return await queries.get(uow.session, keys, household.id, principal, now.date())


@router.get("/households/{household_id}", response_model=HouseholdPublic)
async def get_household(
    household_id: uuid.UUID, principal: Staff, session: Reading, keys: Keys, now: Now, reads: Reads
) -> HouseholdPublic:
    """A household, if the caller's organisation may see its reference person."""
    household = await queries.get(session, keys, str(household_id), principal, now.date())
    reads.record(principal, "household", household.id, household.reference_person_id)
    return household


@router.put("/households/{household_id}", response_model=HouseholdPublic)
async def recompose_household(
    household_id: uuid.UUID,
    body: HouseholdUpdate,
    principal: Staff,
    units: Units,
    keys: Keys,
    now: Now,
) -> HouseholdPublic:
    """Replace the composition; send the version you read (409 if it changed since)."""
    async with units(principal) as uow:
        await households.recompose(uow, keys, str(household_id), body, principal, now)
        await uow.commit()
        return await queries.get(uow.session, keys, str(household_id), principal, now.date())


@router.get("/persons/{person_id}/household", response_model=HouseholdPublic)
async def household_of_person(
    person_id: uuid.UUID, principal: Staff, session: Reading, keys: Keys, now: Now, reads: Reads
) -> HouseholdPublic:
    """The household the person belongs to (404 when none)."""
    household = await queries.of_person(session, keys, str(person_id), principal, now.date())
    reads.record(principal, "household", household.id, str(person_id))
    return household
