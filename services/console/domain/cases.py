"""A case's page without I/O: countdowns to deadlines, readable names of events and states,
the date a decision letter gives, and a local date-time made an instant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.console.domain import labels
from services.console.domain.problems import N_, field_errors

OFFICE_ZONE = "Europe/Paris"
"""Where the caseworkers' day starts and ends, and the zone an appointment is held in by
default."""

EVENTS = {
    "casework.case_opened.v1": N_("Case opened"),
    "casework.referral_accepted.v1": N_("Referral accepted"),
    "casework.referral_declined.v1": N_("Referral declined"),
    "casework.case_status_changed.v1": N_("Status changed"),
    "casework.case_assigned.v1": N_("Case assigned"),
    "casework.case_share_offered.v1": N_("Case offered to a partner"),
    "casework.case_share_answered.v1": N_("Partner answered an offer"),
    "casework.case_share_revoked.v1": N_("Offer revoked"),
    "casework.case_transferred.v1": N_("Case transferred"),
    "casework.deadline_set.v1": N_("Deadline set"),
    "casework.deadline_recomputed.v1": N_("Deadline recomputed"),
    "casework.deadline_closed.v1": N_("Deadline closed"),
    "casework.deadline_approaching.v1": N_("Deadline approaching"),
    "casework.appointment_scheduled.v1": N_("Appointment scheduled"),
    "casework.appointment_rescheduled.v1": N_("Appointment rescheduled"),
    "casework.appointment_cancelled.v1": N_("Appointment cancelled"),
    "casework.appointment_attended.v1": N_("Appointment attended"),
    "casework.appointment_missed.v1": N_("Appointment missed"),
    "casework.task_added.v1": N_("Task added"),
    "casework.task_completed.v1": N_("Task completed"),
    "casework.note_added.v1": N_("Note added"),
    "casework.document_recorded.v1": N_("Document recorded"),
}
"""What each of casework's events says, for the timeline."""

KINDS = labels.APPOINTMENTS
"""Who an appointment is with (casework's kinds)."""

STATES = {
    "open": N_("open"),
    "scheduled": N_("scheduled"),
    "cancelled": N_("cancelled"),
    "attended": N_("attended"),
    "missed": N_("missed"),
    "met": N_("met"),
    "closed": N_("closed"),
    "needed": N_("needed"),
    "received": N_("received"),
    "offered": N_("offered"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "revoked": N_("revoked"),
    "pending": N_("pending"),
    "withdrawn": N_("withdrawn"),
    "cancellation": N_("cancellation notice"),
    **labels.SMS_STATES,
    **labels.REMINDERS,
    **labels.SERVICES,
    **labels.SHARES,
}
"""Where a deadline, an appointment, a document, an offer or an SMS stands; the kinds of
offers and of SMS."""

STALE = N_("Someone changed this case since you opened it: here it is as it stands now.")
NOT_ALLOWED = N_("The procedure does not allow this move from the current status.")
NO_DEADLINE_TO_NOTIFY = N_("This procedure's first step starts no deadline: leave the date empty.")
NOT_A_TIME = N_("Give a date and a time.")
NOT_A_ZONE = N_("Give a time zone such as Europe/Paris.")


@dataclass(frozen=True)
class Countdown:
    """The days left to act by a deadline: negative once overdue, None while suspended."""

    days: int | None

    @property
    def suspended(self) -> bool:
        """The clock is stopped (legal aid asked...): nothing runs."""
        return self.days is None

    @property
    def overdue(self) -> int:
        """Days past the due date (0 if not overdue)."""
        return -self.days if self.days is not None and self.days < 0 else 0


def countdown(due: str | date | None, today: date) -> Countdown:
    """Days from the caseworker's today to the date to act by."""
    if due is None:
        return Countdown(None)
    on = date.fromisoformat(due) if isinstance(due, str) else due
    return Countdown((on - today).days)


def office_today(now: datetime, zone: str = OFFICE_ZONE) -> date:
    """The caseworker's date at `now`, in the office's zone."""
    return now.astimezone(ZoneInfo(zone)).date()


def instant(local: str, zone: str) -> datetime:
    """The aware instant of a `datetime-local` value read in `zone`; ValueError naming the
    field when either is not understood."""
    try:
        where = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("timezone") from None
    try:
        at = datetime.fromisoformat(local)
    except ValueError:
        raise ValueError("starts_at") from None
    if at.tzinfo is not None:
        raise ValueError("starts_at")
    return at.replace(tzinfo=where)


def procedure_of(procedures: Sequence[Mapping[str, Any]], case_type: str | None) -> Any:
    """The procedure with this id among casework's, or None."""
    return next((p for p in procedures if p["id"] == case_type), None)


def step_labels(procedure: Mapping[str, Any] | None) -> dict[str, str]:
    """Each status of the procedure and its label."""
    return {s["status"]: s["label"] for s in procedure["steps"]} if procedure else {}


def notified(procedure: Mapping[str, Any], on: str) -> dict[str, str]:
    """The date a decision letter gives, for the deadline the procedure's first step starts
    (the first of them, when it starts several); ValueError when it starts none."""
    if not on:
        return {}
    first = next(s for s in procedure["steps"] if s["status"] == procedure["initial"])
    if not first["starts"]:
        raise ValueError("notified_due")
    return {first["starts"][0]: on}


def pending_first(referrals: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Referrals waiting for an answer first, then the others, each in the order given."""
    return sorted(referrals, key=lambda r: r["status"] != "pending")


def refusal(status: int, problem: Mapping[str, Any], fields: set[str]) -> dict[str, str]:
    """The sentences of a service's refusal, beside the fields concerned; a stale version or a
    move the procedure does not allow says so plainly."""
    if status == 409 and ("current_version" in problem or "current_revision" in problem):
        return {"": STALE}
    if status == 409 and "allowed" in problem:
        return {"": NOT_ALLOWED}
    return field_errors(status, dict(problem), fields)
