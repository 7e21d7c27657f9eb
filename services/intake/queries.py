"""Intake's read side, always scoped to what the caller's organisation may see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import profiles
from services.intake.keys import KeyStore, PersonErased
from services.intake.models import Person
from services.intake.schemas import PersonPublic
from shared.auth import CROSS_ORGANISATION_ROLES, Principal, may_see_organisation
from shared.crypto import decrypt_field
from shared.web import NotFound

ERASED = "[erased]"


async def get_person(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> PersonPublic:
    """The person if the caller's organisation may see them; otherwise as if absent."""
    person = await session.get(Person, person_id)
    if person is None or not may_see_organisation(principal, person.organisation_id):
        raise NotFound("No person with this id is visible to your organisation.")
    try:
        data_key = await keys.get(session, person.id)
    except PersonErased:
        return profiles.public(person, ERASED, {})
    name = decrypt_field(data_key, person.chosen_name_enc, aad=person.id)
    return profiles.public(person, name, profiles.unseal(data_key, person))


async def visible_persons(session: AsyncSession, principal: Principal) -> list[Person]:
    """Every person the caller's organisation may see."""
    query = select(Person)
    if not principal.has_role(*CROSS_ORGANISATION_ROLES):
        query = query.where(col(Person.organisation_id) == principal.org)
    return list((await session.execute(query)).scalars())
