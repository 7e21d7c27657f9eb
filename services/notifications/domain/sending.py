"""May this message go now? The checks made again just before a send, on what may have
changed since it was planned: the appointment, the person's contact and consent, the hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from services.notifications.domain.messages import MessageState, Status, put_back, settle
from services.notifications.domain.plans import MIN_LEAD
from services.notifications.domain.quiet import QuietHours, is_quiet, next_allowed
from shared.events.base import Event

SCHEDULED = "scheduled"
OWN_TEXTS = ("two_days", "two_hours", "cancellation")


@dataclass(frozen=True)
class Ready:
    """A message checked and rendered: where it goes and what it says."""

    to: str
    body: str
    phone_index: str | None
    reference: str  # the message's key: the provider echoes it back


class NotNow(Exception):
    """The message is not sent: `status` (cleared, blocked, or queued to try later)."""

    def __init__(self, status: Status, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.until = status, reason, until


class Appointment(Protocol):
    """What the checks read of an appointment."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def status(self) -> str: ...
    @property
    def revision(self) -> int: ...


class Reachable(Protocol):
    """What the checks read of a contact."""

    @property
    def phone_enc(self) -> str | None: ...
    @property
    def sms_consent(self) -> bool: ...


R = TypeVar("R", bound=Reachable)


def check_appointment(
    kind: str, revision: int, requested_by: str | None, appointment: Appointment, now: datetime
) -> None:
    """NotNow unless the appointment still wants this message (a notice: not yet begun)."""
    if kind == "cancellation":
        if appointment.starts_at <= now:
            raise NotNow(Status.CLEARED, "too_late")
        return
    if appointment.status != SCHEDULED:
        raise NotNow(Status.CLEARED, f"appointment_{appointment.status}")
    if appointment.revision != revision and requested_by is None:
        raise NotNow(Status.CLEARED, "rescheduled")
    if appointment.starts_at - MIN_LEAD < now:
        raise NotNow(Status.CLEARED, "too_late")


def check_contact(contact: R | None) -> tuple[R, str]:
    """The contact and its encrypted number; NotNow unless the person has a number and agreed
    to SMS reminders."""
    if contact is None:
        raise NotNow(Status.BLOCKED, "no_contact")
    if contact.phone_enc is None:
        raise NotNow(Status.BLOCKED, "no_phone")
    if not contact.sms_consent:
        raise NotNow(Status.BLOCKED, "no_sms_consent")
    return contact, contact.phone_enc


def check_hour(zone: ZoneInfo, quiet: QuietHours, now: datetime) -> None:
    """Late retries, resends and notices wait for the morning in the person's zone too."""
    if is_quiet(now, zone, quiet):
        raise NotNow(Status.QUEUED, "quiet_hours", until=next_allowed(now, zone, quiet))


def not_sent(
    message: MessageState, not_now: NotNow, now: datetime, retry_base: timedelta
) -> list[Event]:
    """Queue the message to try later (nothing was tried), or end it (cleared, blocked)."""
    if not_now.status != Status.QUEUED:
        return settle(message, not_now.status, not_now.reason, now)
    message.attempts -= 1  # nothing was tried
    put_back(message, not_now.reason, now, not_now.until or now + retry_base)
    return []


def template_of(kind: str) -> str:
    """The text a reminder of this kind uses: the default kinds have their own; a configured
    offset uses the day-before text when it is 12 hours or more ahead, else the same-day one."""
    if kind in OWN_TEXTS:
        return kind
    hours = float(kind.removeprefix("h")) if kind.startswith("h") else 48.0
    return "two_days" if hours >= 12 else "two_hours"
