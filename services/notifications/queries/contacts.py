"""Contacts as the caller's organisation may see them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.models import Contact
from services.notifications.schemas.contacts import ContactPublic
from shared.auth import Principal, may_see_organisation
from shared.schemas import present
from shared.web import NotFound


async def get_contact(session: AsyncSession, person_id: str, principal: Principal) -> ContactPublic:
    """The contact if the caller's organisation may see it; otherwise as if absent."""
    contact = await session.get(Contact, person_id)
    if contact is None or not may_see_organisation(principal, contact.organisation_id):
        raise NotFound("No contact with this id is visible to your organisation.")
    return present(ContactPublic, contact, has_phone=contact.phone_enc is not None)
