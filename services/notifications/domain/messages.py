"""The life of a message: planned (queued) → sending → sent → delivered, or failed,
undeliverable, unknown; cleared when no longer needed; blocked when it may not be sent.

Each move changes the message it is given and returns the events others should know of;
nothing here reads or writes anything else."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from services.notifications.domain import Refused
from shared.events.base import Event
from shared.events.notifications import (
    ReminderCleared,
    ReminderPlanned,
    SmsDelivered,
    SmsFailed,
    SmsSent,
)


class Status(StrEnum):
    """Where a message stands."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    UNKNOWN = "unknown"
    CLEARED = "cleared"
    BLOCKED = "blocked"


PENDING = (Status.QUEUED,)
"""Not handed to a worker yet: what a change of plans clears."""
WAITING = (Status.QUEUED, Status.SENDING)
"""On its way: a second resend of the same appointment waits for it."""
RESENDABLE = frozenset(
    {
        Status.SENT,
        Status.DELIVERED,
        Status.FAILED,
        Status.UNDELIVERABLE,
        Status.UNKNOWN,
        Status.BLOCKED,
    }
)
ACCEPTABLE = frozenset({Status.SENDING, Status.QUEUED, Status.UNKNOWN})
"""The provider accepted it: recorded even if a recovery put the message back meanwhile."""
RECEIPTABLE = frozenset({Status.SENT, Status.UNKNOWN})
"""A final receipt (delivered, undelivered) applies to these."""
LEARNS_DELIVERED = frozenset({Status.SENT, Status.UNKNOWN, Status.SENDING, Status.QUEUED})
"""The ledger marks these delivered when the service's own event says so."""
FINAL_FAILURES = frozenset({"undelivered", "failed"})
"""The provider's receipt statuses that mean the message will never arrive."""


class MessageState(Protocol):
    """What the moves read and change of a message (the stored row fits)."""

    # what the events name it by
    id: str
    key: str
    appointment_id: str | None
    person_id: str | None
    kind: str
    revision: int
    # where it stands, and when it is tried again
    status: str
    reason: str | None
    attempts: int
    lease_until: datetime | None
    next_attempt_at: datetime | None
    due_at: datetime
    deferred: bool
    # what the provider made of it
    provider: str | None
    provider_id: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    updated_at: datetime


def _sms(message: MessageState) -> dict[str, Any]:
    """What every event about a sent (or failed) SMS names it by."""
    return {
        "key": message.key,
        "message_id": message.id,
        "appointment_id": message.appointment_id,
        "kind": message.kind,
        "revision": message.revision,
    }


def _reminder(message: MessageState) -> dict[str, Any] | None:
    """What every event about an appointment's reminder names it by; None for a message
    that is no reminder (an answer to a number)."""
    if message.appointment_id is None or message.person_id is None:
        return None
    return {
        "appointment_id": message.appointment_id,
        "person_id": message.person_id,
        "kind": message.kind,
        "revision": message.revision,
    }


def planned(message: MessageState) -> list[Event]:
    """The events of a newly queued message: a reminder of an appointment is announced."""
    reminder = _reminder(message)
    if reminder is None:
        return []
    return [ReminderPlanned(**reminder, due_at=message.due_at, deferred=message.deferred)]


def claim(message: MessageState, now: datetime, lease: timedelta) -> None:
    """queued → sending, for one worker, until the lease ends."""
    message.status, message.attempts = Status.SENDING, message.attempts + 1
    message.lease_until = now + lease
    message.updated_at = now


def settle(message: MessageState, status: Status, reason: str, now: datetime) -> list[Event]:
    """End a message that will not be sent (cleared or blocked), with the reason."""
    _end(message, status, reason, now)
    reminder = _reminder(message)
    if reminder is None:
        return []
    return [ReminderCleared(**reminder, status=status, reason=reason, cleared_at=now)]


def fail(message: MessageState, status: Status, reason: str, now: datetime) -> list[Event]:
    """The message went wrong for good: failed, undeliverable, or fate unknown."""
    _end(message, status, reason, now)
    return [SmsFailed(**_sms(message), status=status, reason=reason, failed_at=now)]


def _end(message: MessageState, status: Status, reason: str, now: datetime) -> None:
    message.status, message.reason, message.updated_at = status, reason, now
    message.lease_until = None


def put_back(message: MessageState, reason: str, now: datetime, until: datetime) -> None:
    """sending → queued: tried again at `until`."""
    message.status, message.reason, message.lease_until = Status.QUEUED, reason, None
    message.next_attempt_at = until
    message.updated_at = now


def retry(
    message: MessageState, reason: str, now: datetime, *, max_attempts: int, base: timedelta
) -> list[Event]:
    """sending → queued after a backoff that doubles with each attempt, or failed at last."""
    if message.attempts >= max_attempts:
        return fail(message, Status.FAILED, f"gave up after {reason}", now)
    put_back(message, reason, now, now + base * 2 ** (message.attempts - 1))
    return []


def look_up_later(
    message: MessageState, reason: str, now: datetime, lease: timedelta
) -> list[Event]:
    """The provider could not tell what became of the send: ask again after the lease (no
    event: nothing is known yet)."""
    message.lease_until = now + lease
    message.reason = f"lookup failed: {reason}"
    return []


def accepted(message: MessageState, provider: str, provider_id: str, now: datetime) -> list[Event]:
    """→ sent (and delivered, when the receipt outran the provider's answer)."""
    message.status, message.sent_at, message.updated_at = Status.SENT, now, now
    message.provider, message.provider_id = provider, provider_id
    message.lease_until = None
    events: list[Event] = [
        SmsSent(**_sms(message), person_id=message.person_id, provider=provider, sent_at=now)
    ]
    if message.delivered_at is not None:  # the receipt outran the provider's answer
        message.status = Status.DELIVERED
        events.append(SmsDelivered(**_sms(message), delivered_at=message.delivered_at))
    return events


def receipt(
    message: MessageState, reported: str, error_code: str | None, now: datetime
) -> list[Event] | None:
    """What a provider's receipt does and the events it causes; None when there is nothing
    to keep (the send is still being recorded and the receipt is not a delivery)."""
    if message.status == Status.SENDING:
        if reported != "delivered":
            return None
        message.delivered_at = now  # the sender records it with the send
        return []
    if message.status not in RECEIPTABLE:
        return []
    if reported == "delivered":
        message.status, message.delivered_at, message.updated_at = Status.DELIVERED, now, now
        return [SmsDelivered(**_sms(message), delivered_at=now)]
    if reported in FINAL_FAILURES:
        return fail(message, Status.UNDELIVERABLE, f"provider:{error_code or reported}", now)
    return []


def resendable(message: MessageState) -> str:
    """The appointment a message may be sent again for; Refused for one not sent yet."""
    if message.status not in RESENDABLE or message.appointment_id is None:
        raise Refused(f"a {message.status} message cannot be resent")
    return message.appointment_id


def learn_sent(message: MessageState, provider: str, at: datetime) -> None:
    """The ledger read that the message was sent (no event: it is the event)."""
    if message.status in ACCEPTABLE:
        message.status, message.sent_at = Status.SENT, at
        message.provider, message.updated_at = provider, at


def learn_delivered(message: MessageState, at: datetime) -> None:
    """The ledger read that the message was delivered."""
    if message.status in LEARNS_DELIVERED:
        message.status, message.delivered_at = Status.DELIVERED, at


def learn_failed(message: MessageState, status: str, reason: str) -> None:
    """The ledger read that the message failed, was undeliverable, or its fate is unknown."""
    if message.status not in (Status.DELIVERED, status):
        message.status, message.reason = status, reason
