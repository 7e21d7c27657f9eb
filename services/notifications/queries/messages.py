"""Messages: those the caller's organisation may see, and those the sender looks for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.notifications.domain.messages import WAITING, Status
from services.notifications.models import Contact, KnownAppointment, Message
from services.notifications.schemas.messages import MessagePublic
from shared.auth import CROSS_ORGANISATION_ROLES, Principal, may_see_organisation
from shared.web import NotFound

NEWEST_FIRST = col(Message.due_at).desc()


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
    rows = list((await session.execute(query.order_by(NEWEST_FIRST))).scalars())
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
    query = select(Message).where(col(Message.appointment_id) == appointment_id)
    rows = await session.execute(query.order_by(NEWEST_FIRST))
    return [MessagePublic.model_validate(m, from_attributes=True) for m in rows.scalars()]


async def visible_message(session: AsyncSession, message_id: str, principal: Principal) -> Message:
    """A message the caller's organisation may act on, else NotFound."""
    message = await session.get(Message, message_id)
    if message is None or message.organisation_id is None:
        raise NotFound("No message with this id is visible to your organisation.")
    if not may_see_organisation(principal, message.organisation_id):
        raise NotFound("No message with this id is visible to your organisation.")
    return message


async def by_key(session: AsyncSession, key: str) -> Message | None:
    """The message with this business key, if any."""
    found = await session.execute(select(Message).where(col(Message.key) == key))
    return found.scalars().first()


async def by_provider_id(session: AsyncSession, provider_id: str) -> Message | None:
    """The message the provider knows by this id, if any."""
    found = await session.execute(select(Message).where(col(Message.provider_id) == provider_id))
    return found.scalars().first()


async def resend_waiting(session: AsyncSession, appointment_id: str) -> bool:
    """Whether a resend of the appointment is on its way already."""
    waiting = await session.execute(
        select(col(Message.id)).where(
            col(Message.appointment_id) == appointment_id,
            col(Message.requested_by).is_not(None),
            col(Message.status).in_(WAITING),
        )
    )
    return waiting.first() is not None


async def abandoned(session: AsyncSession, now: datetime) -> list[str]:
    """Messages left `sending` by a worker that stopped: their lease is over."""
    rows = await session.execute(
        select(col(Message.id)).where(
            col(Message.status) == Status.SENDING, col(Message.lease_until) < now
        )
    )
    return list(rows.scalars())
