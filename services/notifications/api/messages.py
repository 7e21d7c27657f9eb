"""Routes for caseworkers: the messages of a person or an appointment, and a manual resend."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.notifications.api.deps import Now, Reading, Reads, Staff, Units
from services.notifications.handlers import messages
from services.notifications.queries import messages as queries
from services.notifications.schemas.messages import MessagePublic

router = APIRouter(tags=["messages"])


@router.get("/persons/{person_id}/messages", response_model=list[MessagePublic])
async def messages_of_person(
    person_id: uuid.UUID, principal: Staff, session: Reading, reads: Reads
) -> list[MessagePublic]:
    """The person's messages with their states and times (never their text or number)."""
    found = await queries.of_person(session, str(person_id), principal)
    if found:  # an empty answer reveals nothing about the person
        reads.record(principal, "messages", str(person_id), str(person_id))
    return found


@router.get("/appointments/{appointment_id}/messages", response_model=list[MessagePublic])
async def messages_of_appointment(
    appointment_id: uuid.UUID, principal: Staff, session: Reading
) -> list[MessagePublic]:
    """The messages of an appointment: planned, cleared, sent, delivered…"""
    return await queries.of_appointment(session, str(appointment_id), principal)


@router.post("/messages/{message_id}/resend", status_code=201, response_model=MessagePublic)
async def resend(message_id: uuid.UUID, principal: Staff, units: Units, now: Now) -> MessagePublic:
    """Send a message again now, recording who asked; the same checks apply (consent, STOP,
    an appointment still ahead)."""
    async with units(principal) as uow:
        copy = await messages.resend(uow, str(message_id), principal, now)
        public = MessagePublic.model_validate(copy, from_attributes=True)
        await uow.commit()
    return public
