"""Routes for caseworkers: the messages of a person or an appointment, and a manual resend."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import col

from services.notifications import messages, queries
from services.notifications.api.deps import NotificationsDep, Staff
from services.notifications.models import KnownAppointment, Message
from services.notifications.schemas import MessagePublic
from shared.outbox import Metadata
from shared.web import Conflict, current_correlation_id

router = APIRouter(tags=["messages"])
RESENDABLE = ("sent", "delivered", "failed", "undeliverable", "unknown", "blocked")


@router.get("/persons/{person_id}/messages", response_model=list[MessagePublic])
async def messages_of_person(
    person_id: uuid.UUID, principal: Staff, notifications: NotificationsDep
) -> list[MessagePublic]:
    """The person's messages with their states and times (never their text or number)."""
    async with notifications.runtime.sessions() as session:
        return await queries.of_person(session, str(person_id), principal)


@router.get("/appointments/{appointment_id}/messages", response_model=list[MessagePublic])
async def messages_of_appointment(
    appointment_id: uuid.UUID, principal: Staff, notifications: NotificationsDep
) -> list[MessagePublic]:
    """The messages of an appointment: planned, cleared, sent, delivered…"""
    async with notifications.runtime.sessions() as session:
        return await queries.of_appointment(session, str(appointment_id), principal)


@router.post("/messages/{message_id}/resend", status_code=201, response_model=MessagePublic)
async def resend(
    message_id: uuid.UUID, principal: Staff, notifications: NotificationsDep
) -> MessagePublic:
    """Send a message again now, recording who asked; the same checks apply (consent, STOP,
    an appointment still ahead)."""
    meta = Metadata(
        actor=principal.user_id, actororg=principal.org, correlationid=current_correlation_id()
    )
    now = notifications.clock()
    async with notifications.unit_of_work(meta) as uow:
        original = await queries.visible_message(uow.session, str(message_id), principal)
        if original.status not in RESENDABLE or original.appointment_id is None:
            raise Conflict(f"a {original.status} message cannot be resent")
        waiting = await uow.session.execute(
            select(col(Message.id)).where(
                col(Message.appointment_id) == original.appointment_id,
                col(Message.requested_by).is_not(None),
                col(Message.status).in_(("queued", "sending")),
            )
        )
        if waiting.first() is not None:
            raise Conflict("a resend of this appointment is on its way already")
        appointment = await uow.session.get(KnownAppointment, original.appointment_id)
        if appointment is None or appointment.status != "scheduled" or appointment.starts_at <= now:
            raise Conflict("the appointment is not ahead any more: there is nothing to remind")
        copy = await messages.plan(
            uow.session,
            uow.record,
            key=f"resend:{uuid.uuid4()}",
            kind=original.kind,
            revision=appointment.revision,
            due_at=now,
            now=now,
            appointment_id=original.appointment_id,
            person_id=original.person_id,
            organisation_id=original.organisation_id,
            requested_by=principal.user_id,
        )
        assert copy is not None
        public = MessagePublic.model_validate(copy, from_attributes=True)
        await uow.commit()
    return public
