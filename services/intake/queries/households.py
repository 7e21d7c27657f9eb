"""Households as staff read them: unsealed inside intake's process, ages worked out today."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.households import CHILDREN, age_on, household_aad
from services.intake.models import Household, HouseholdMember
from services.intake.queries.access import find_own_person
from services.intake.queries.keys import KeyErased, KeyStore
from services.intake.schemas.households import (
    HealthFlags,
    HouseholdComposition,
    HouseholdMemberIn,
    HouseholdMemberPublic,
    HouseholdPublic,
)
from shared.auth import Principal
from shared.crypto import decrypt_field
from shared.schemas import present
from shared.web import NotFound

NO_HOUSEHOLD = "No household with this id is visible to your organisation."


async def unseal(
    keys: KeyStore, session: AsyncSession, household: Household
) -> HouseholdComposition:
    """The composition in clear (inside intake's process only); an erased member's own
    details read as absent."""
    reference_key = await keys.get(session, household.reference_person_id)
    aad = household_aad(household.reference_person_id, household.id)
    document: dict[str, Any] = json.loads(
        decrypt_field(reference_key, household.composition_enc, aad=aad)
    )
    members = [await _member(keys, session, household, entry) for entry in document["members"]]
    flags = HealthFlags.model_validate(document["flags"]) if document["flags"] else None
    return HouseholdComposition(flags, members)


async def _member(
    keys: KeyStore, session: AsyncSession, household: Household, entry: dict[str, Any]
) -> HouseholdMemberIn:
    sealed = entry.pop("sealed", None)
    if sealed is not None:
        try:
            member_key = await keys.get(session, entry["person_id"])
        except KeyErased:
            pass  # their details went with their key
        else:
            aad = household_aad(entry["person_id"], household.id)
            entry.update(json.loads(decrypt_field(member_key, sealed, aad=aad)))
    return HouseholdMemberIn.model_validate(entry)


async def get(
    session: AsyncSession, keys: KeyStore, household_id: str, principal: Principal, today: date
) -> HouseholdPublic:
    """The household, for the organisation that registered its reference person (it holds
    other members' details: a partner the person was referred to does not read it)."""
    household = await session.get(Household, household_id)
    if household is None:
        raise NotFound(NO_HOUSEHOLD)
    try:
        await find_own_person(session, household.reference_person_id, principal, merged_ok=True)
    except NotFound as exc:
        raise NotFound(NO_HOUSEHOLD) from exc
    return public(household, await unseal(keys, session, household), today)


async def of_person(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal, today: date
) -> HouseholdPublic:
    """The household the person belongs to."""
    person = await find_own_person(session, person_id, principal, merged_ok=True)
    membership = await session.get(HouseholdMember, person.id)
    if membership is None:
        raise NotFound("This person belongs to no household.")
    return await get(session, keys, membership.household_id, principal, today)


def public(household: Household, composition: HouseholdComposition, today: date) -> HouseholdPublic:
    """The household as staff see it, ages worked out `today`."""
    members = [
        present(
            HouseholdMemberPublic,
            m,
            person_id=str(m.person_id) if m.person_id else None,
            age=age_on(today, m.birth_date, m.birth_year),
        )
        for m in composition.members
    ]
    return present(
        HouseholdPublic,
        household,
        flags=composition.flags,
        members=members,
        children_ages=[m.age for m in members if m.relationship in CHILDREN],
        size=1 + len(members),
    )
