"""The life of a message: planned (queued) → sending → sent → delivered, or failed,
undeliverable, unknown; cleared when no longer needed; blocked when it may not be sent.
Each change that others should know of is recorded as an event."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.notifications.models import Message
from shared.events.base import Event
from shared.events.notifications import ReminderCleared, ReminderPlanned, SmsFailed

Record = Callable[..., object]
PENDING = ("queued",)


def reminder_key(appointment_id: str, kind: str, revision: int) -> str:
    """The business key of a reminder: one per appointment, kind and revision."""
    return f"{appointment_id}:{kind}:r{revision}"


async def by_key(session: AsyncSession, key: str) -> Message | None:
    """The message with this business key, if any."""
    found = await session.execute(select(Message).where(col(Message.key) == key))
    return found.scalars().first()


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
        status="queued",
        due_at=due_at,
        deferred=deferred,
        to_enc=to_enc,
        language=language,
        requested_by=requested_by,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    if appointment_id is not None and person_id is not None:
        record(
            ReminderPlanned(
                appointment_id=appointment_id,
                person_id=person_id,
                kind=kind,
                revision=revision,
                due_at=due_at,
                deferred=deferred,
            )
        )
    return message


def settle(message: Message, record: Record, status: str, reason: str, now: datetime) -> None:
    """End a message that will not be sent (cleared or blocked), with the reason."""
    message.status, message.reason, message.updated_at = status, reason, now
    message.lease_until = None
    event: Event
    if message.appointment_id is not None and message.person_id is not None:
        event = ReminderCleared(
            appointment_id=message.appointment_id,
            person_id=message.person_id,
            kind=message.kind,
            revision=message.revision,
            status=status,
            reason=reason,
            cleared_at=now,
        )
        record(event)


def fail(message: Message, record: Record, status: str, reason: str, now: datetime) -> None:
    """The message went wrong for good: failed, undeliverable, or fate unknown."""
    message.status, message.reason, message.updated_at = status, reason, now
    message.lease_until = None
    record(
        SmsFailed(
            key=message.key,
            message_id=message.id,
            appointment_id=message.appointment_id,
            kind=message.kind,
            revision=message.revision,
            status=status,
            reason=reason,
            failed_at=now,
        )
    )


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
        settle(message, record, "cleared", reason, now)
        cleared += 1
    return cleared
