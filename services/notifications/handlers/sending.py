"""What the sender records, each in the transaction it is given: a claim, a send the provider
accepted, a send to try again or to look up later, one that failed, one that may not go now."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlmodel import col

from services.notifications.domain import messages as domain
from services.notifications.domain.messages import ACCEPTABLE, Status
from services.notifications.domain.policy import Policy
from services.notifications.domain.sending import NotNow, not_sent
from services.notifications.handlers.messages import stage
from services.notifications.models import Contact, Message
from shared.db import dialect_name
from shared.events.base import Event
from shared.uow import UnitOfWork


async def claim(uow: UnitOfWork, now: datetime, lease: timedelta, limit: int) -> list[str]:
    """Take due messages for this worker only (others skip the locked rows)."""
    query = (
        select(Message)
        .where(
            col(Message.status) == Status.QUEUED,
            col(Message.due_at) <= now,
            or_(col(Message.next_attempt_at).is_(None), col(Message.next_attempt_at) <= now),
        )
        .order_by(col(Message.due_at))
        .limit(limit)
    )
    if dialect_name(uow.session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = list((await uow.session.execute(query)).scalars())
    for message in claimed:
        domain.claim(message, now, lease)
    return [m.id for m in claimed]


async def _while_sending(
    uow: UnitOfWork, message_id: str, move: Callable[[Message], Sequence[Event]]
) -> bool:
    """Apply a move to the message if a worker still holds it; False when none does."""
    message = await uow.session.get(Message, message_id)
    if message is None or message.status != Status.SENDING:
        return False
    stage(uow.record, move(message))
    return True


async def accepted(
    uow: UnitOfWork,
    message_id: str,
    provider: str,
    provider_id: str,
    phone_index: str | None,
    now: datetime,
) -> bool:
    """Record a send the provider accepted (and the number's keyed hash, now it is known)."""
    message = await uow.session.get(Message, message_id)
    if message is None or message.status not in ACCEPTABLE:
        return False
    events = domain.accepted(message, provider, provider_id, now)
    if phone_index and message.person_id:
        contact = await uow.session.get(Contact, message.person_id)
        if contact is not None:
            contact.phone_index = phone_index
    stage(uow.record, events)
    return True


async def look_up_later(
    uow: UnitOfWork, message_id: str, reason: str, now: datetime, lease: timedelta
) -> bool:
    """The provider could not say what became of the send: ask it again after the lease."""
    return await _while_sending(
        uow, message_id, lambda m: domain.look_up_later(m, reason, now, lease)
    )


async def retry_later(
    uow: UnitOfWork, message_id: str, reason: str, now: datetime, policy: Policy
) -> bool:
    """Nothing was accepted: queue the message again after a backoff, or give up."""
    limit, base = policy.max_attempts, policy.retry_base
    return await _while_sending(
        uow, message_id, lambda m: domain.retry(m, reason, now, max_attempts=limit, base=base)
    )


async def finish(
    uow: UnitOfWork, message_id: str, status: Status, reason: str, now: datetime
) -> bool:
    """The send ended for good: failed, or its fate unknown."""
    return await _while_sending(uow, message_id, lambda m: domain.fail(m, status, reason, now))


async def not_now(
    uow: UnitOfWork, message_id: str, why: NotNow, now: datetime, retry_base: timedelta
) -> bool:
    """The message may not go now: queue it for later, or end it (cleared, blocked)."""
    return await _while_sending(uow, message_id, lambda m: not_sent(m, why, now, retry_base))


def settle(
    uow: UnitOfWork, message: Message, why: NotNow, now: datetime, retry_base: timedelta
) -> None:
    """Queue the message to try later, or end it (cleared, blocked), in `uow`."""
    stage(uow.record, not_sent(message, why, now, retry_base))
