"""Messages planned and ended in the caller's transaction, and a caseworker's resend. Each
change that others should know of is staged as an event (the domain says which)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.notifications.domain import Refused
from services.notifications.domain import messages as domain
from services.notifications.domain.messages import PENDING, Status
from services.notifications.domain.sending import SCHEDULED
from services.notifications.models import KnownAppointment, Message
from services.notifications.queries.messages import by_key, resend_waiting, visible_message
from shared.auth import Principal
from shared.events.base import Event
from shared.uow import UnitOfWork

Record = Callable[..., object]


def stage(record: Record, events: Sequence[Event]) -> None:
    """Stage the events a move caused, if any."""
    if events:
        record(*events)


def reminder_key(appointment_id: str, kind: str, revision: int) -> str:
    """The business key of a reminder: one per appointment, kind and revision."""
    return f"{appointment_id}:{kind}:r{revision}"


async def plan(
    session: AsyncSession,
    record: Record,
    *,
    key: str,
    kind: str,
    revision: int,
    due_at: datetime,
    now: datetime,
    appointment_id: str | None = None,
    person_id: str | None = None,
    organisation_id: str | None = None,
    deferred: bool = False,
    to_enc: str | None = None,
    language: str | None = None,
    requested_by: str | None = None,
) -> Message | None:
    """Queue a message unless one with this key exists (planned, or sent before a replay)."""
    if await by_key(session, key) is not None:
        return None
    message = Message(
        id=str(uuid.uuid4()),
        key=key,
        appointment_id=appointment_id,
        person_id=person_id,
        organisation_id=organisation_id,
        kind=kind,
        revision=revision,
        status=Status.QUEUED,
        due_at=due_at,
        deferred=deferred,
        to_enc=to_enc,
        language=language,
        requested_by=requested_by,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    stage(record, domain.planned(message))
    return message


def settle(message: Message, record: Record, status: Status, reason: str, now: datetime) -> None:
    """End a message that will not be sent (cleared or blocked), with the reason."""
    stage(record, domain.settle(message, status, reason, now))


def fail(message: Message, record: Record, status: Status, reason: str, now: datetime) -> None:
    """The message went wrong for good: failed, undeliverable, or fate unknown."""
    stage(record, domain.fail(message, status, reason, now))


async def clear_pending(
    session: AsyncSession,
    record: Record,
    appointment_id: str,
    reason: str,
    now: datetime,
    *,
    below_revision: int | None = None,
) -> int:
    """Clear the appointment's messages not sent yet (all, or those of older revisions)."""
    query = select(Message).where(
        col(Message.appointment_id) == appointment_id, col(Message.status).in_(PENDING)
    )
    if below_revision is not None:
        query = query.where(col(Message.revision) < below_revision)
    cleared = 0
    for message in (await session.execute(query)).scalars():
        settle(message, record, Status.CLEARED, reason, now)
        cleared += 1
    return cleared


async def resend(uow: UnitOfWork, message_id: str, principal: Principal, now: datetime) -> Message:
    """Queue a copy of a message to go now, recording who asked; the same checks apply when it
    is sent (consent, STOP, an appointment still ahead)."""
    original = await visible_message(uow.session, message_id, principal)
    appointment_id = domain.resendable(original)
    if await resend_waiting(uow.session, appointment_id):
        raise Refused("a resend of this appointment is on its way already")
    appointment = await uow.session.get(KnownAppointment, appointment_id)
    if appointment is None or appointment.status != SCHEDULED or appointment.starts_at <= now:
        raise Refused("the appointment is not ahead any more: there is nothing to remind")
    copy = await plan(
        uow.session,
        uow.record,
        key=f"resend:{uuid.uuid4()}",
        kind=original.kind,
        revision=appointment.revision,
        due_at=now,
        now=now,
        appointment_id=appointment_id,
        person_id=original.person_id,
        organisation_id=original.organisation_id,
        requested_by=principal.user_id,
    )
    assert copy is not None
    return copy
