"""Notifications' read side, scoped to the caller's organisation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.notifications.models import Contact, KnownAppointment, Message
from services.notifications.schemas import ContactPublic, MessagePublic
from shared.auth import CROSS_ORGANISATION_ROLES, Principal, may_see_organisation
from shared.web import NotFound


async def get_contact(session: AsyncSession, person_id: str, principal: Principal) -> ContactPublic:
    """The contact if the caller's organisation may see it; otherwise as if absent."""
    contact = await session.get(Contact, person_id)
    if contact is None or not may_see_organisation(principal, contact.organisation_id):
        raise NotFound("No contact with this id is visible to your organisation.")
    return ContactPublic.model_validate(
        {**contact.model_dump(), "has_phone": contact.phone_enc is not None}
    )


async def of_person(
    session: AsyncSession, person_id: str, principal: Principal
) -> list[MessagePublic]:
    """The messages of the caller's organisation's appointments with the person, newest first
    (coordinators see all)."""
    contact = await session.get(Contact, person_id)
    query = select(Message).where(col(Message.person_id) == person_id)
    if not principal.has_role(*CROSS_ORGANISATION_ROLES):
        # even the registering organisation sees only the messages of its own appointments
        query = query.where(col(Message.organisation_id) == principal.org)
    rows = list((await session.execute(query.order_by(col(Message.due_at).desc()))).scalars())
    if not rows and (
        contact is None or not may_see_organisation(principal, contact.organisation_id)
    ):
        raise NotFound("No person with this id is visible to your organisation.")
    return [MessagePublic.model_validate(m, from_attributes=True) for m in rows]


async def of_appointment(
    session: AsyncSession, appointment_id: str, principal: Principal
) -> list[MessagePublic]:
    """The messages of an appointment of the caller's organisation, newest first."""
    appointment = await session.get(KnownAppointment, appointment_id)
    if appointment is None or not may_see_organisation(principal, appointment.organisation_id):
        raise NotFound("No appointment with this id is visible to your organisation.")
    rows = await session.execute(
        select(Message)
        .where(col(Message.appointment_id) == appointment_id)
        .order_by(col(Message.due_at).desc())
    )
    return [MessagePublic.model_validate(m, from_attributes=True) for m in rows.scalars()]


async def visible_message(session: AsyncSession, message_id: str, principal: Principal) -> Message:
    """A message the caller's organisation may act on, else NotFound."""
    message = await session.get(Message, message_id)
    if message is None or message.organisation_id is None:
        raise NotFound("No message with this id is visible to your organisation.")
    if not may_see_organisation(principal, message.organisation_id):
        raise NotFound("No message with this id is visible to your organisation.")
    return message
