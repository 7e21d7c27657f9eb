"""Routes of contacts."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.notifications import queries
from services.notifications.api.deps import NotificationsDep, Staff
from services.notifications.schemas import ContactPublic

router = APIRouter(prefix="/contacts", tags=["contacts"])


@router.get("/{person_id}", response_model=ContactPublic)
async def get_contact(
    person_id: uuid.UUID, principal: Staff, notifications: NotificationsDep
) -> ContactPublic:
    """A contact, if the caller's organisation may see it."""
    async with notifications.runtime.sessions() as session:
        return await queries.get_contact(session, str(person_id), principal)
