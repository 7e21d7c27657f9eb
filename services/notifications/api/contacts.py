"""Routes of contacts."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.notifications.api.deps import Reading, Reads, Staff
from services.notifications.queries import contacts as queries
from services.notifications.schemas.contacts import ContactPublic

router = APIRouter(prefix="/contacts", tags=["contacts"])


@router.get("/{person_id}", response_model=ContactPublic)
async def get_contact(
    person_id: uuid.UUID, principal: Staff, session: Reading, reads: Reads
) -> ContactPublic:
    """A contact, if the caller's organisation may see it."""
    contact = await queries.get_contact(session, str(person_id), principal)
    reads.record(principal, "contact", contact.person_id, contact.person_id)
    return contact
