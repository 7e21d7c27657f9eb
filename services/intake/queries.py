"""Intake's read side, always scoped to what the caller's organisation may see."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.keys import KeyStore, PersonErased
from services.intake.models import Person
from services.intake.schemas import PersonPublic
from shared.auth import Principal, may_see_organisation
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
    return PersonPublic(
        id=person.id,
        organisation_id=person.organisation_id,
        chosen_name=await _name(session, keys, person),
        preferred_language=person.preferred_language,
        registered_at=person.registered_at,
    )


async def _name(session: AsyncSession, keys: KeyStore, person: Person) -> str:
    try:
        data_key = await keys.get(session, person.id)
    except PersonErased:
        return ERASED
    return decrypt_field(data_key, person.chosen_name_enc, aad=person.id)
