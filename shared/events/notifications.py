"""Events published by the notifications service on `notifications.events`.

No phone number and no message text travel here: a number is named by its keyed hash
(`phone_index`), a message by its business key (appointment, kind, revision)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.events.base import Event

TOPIC = "notifications.events"


class ReminderPlanned(Event):
    """A reminder of an appointment is due at `due_at` (quiet hours already applied)."""

    TYPE = "notifications.reminder_planned.v1"
    AGGREGATE = "appointment_id"

    appointment_id: str
    person_id: str
    kind: str
    revision: int
    due_at: datetime
    deferred: bool = Field(description="moved out of the person's quiet hours")


class ReminderCleared(Event):
    """A planned message will not be sent: rescheduled, cancelled, too late, or blocked."""

    TYPE = "notifications.reminder_cleared.v1"
    AGGREGATE = "appointment_id"

    appointment_id: str
    person_id: str
    kind: str
    revision: int
    status: str = Field(description="cleared | blocked")
    reason: str
    cleared_at: datetime


class SmsSent(Event):
    """The provider accepted a message: this key is never sent again, even on a replay."""

    TYPE = "notifications.sms_sent.v1"
    AGGREGATE = "key"

    key: str = Field(description="the message's business key, e.g. <appointment>:two_days:r2")
    message_id: str
    appointment_id: str | None
    person_id: str | None
    kind: str
    revision: int
    provider: str
    sent_at: datetime


class SmsDelivered(Event):
    """The operator reported the message delivered."""

    TYPE = "notifications.sms_delivered.v1"
    AGGREGATE = "key"

    key: str
    message_id: str
    appointment_id: str | None
    kind: str
    revision: int
    delivered_at: datetime


class SmsFailed(Event):
    """The message could not be delivered (`undeliverable`), the provider kept refusing it
    (`failed`), or its fate is unknown and it is not resent automatically (`unknown`)."""

    TYPE = "notifications.sms_failed.v1"
    AGGREGATE = "key"

    key: str
    message_id: str
    appointment_id: str | None
    kind: str
    revision: int
    status: str
    reason: str
    failed_at: datetime


class OptedOut(Event):
    """A number answered STOP (or a synonym): no message goes to it any more."""

    TYPE = "notifications.opted_out.v1"
    AGGREGATE = "phone_index"

    phone_index: str
    keyword: str
    opted_out_at: datetime


class OptedIn(Event):
    """A number answered START: messages may go to it again."""

    TYPE = "notifications.opted_in.v1"
    AGGREGATE = "phone_index"

    phone_index: str
    opted_in_at: datetime


CONTRACTS: tuple[type[Event], ...] = (
    ReminderPlanned,
    ReminderCleared,
    SmsSent,
    SmsDelivered,
    SmsFailed,
    OptedOut,
    OptedIn,
)
