"""Appointments of a person: scheduled, moved, cancelled, attended or missed.

Each move takes the current state and returns the next one with the event to record; every
change takes the next revision, so notifications can tell which reminders still hold. The
place arrives already encrypted: this module never sees it in clear.

An appointment is set ahead of now. One already past is recorded only as history, with its
outcome (attended or missed): its event says so, and no reminder is planned for it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from services.casework.domain import Refused
from shared.events.casework import (
    AppointmentAttended,
    AppointmentCancelled,
    AppointmentMissed,
    AppointmentRescheduled,
    AppointmentScheduled,
)

AppointmentEvent = (
    AppointmentScheduled
    | AppointmentRescheduled
    | AppointmentCancelled
    | AppointmentAttended
    | AppointmentMissed
)


class Kind(StrEnum):
    """Who the appointment is with."""

    PREFECTURE = "prefecture"
    OFPRA_INTERVIEW = "ofpra_interview"
    CNDA_HEARING = "cnda_hearing"
    LAWYER = "lawyer"
    PARTNER_OFFICE = "partner_office"
    OTHER = "other"


class Status(StrEnum):
    """Where an appointment stands."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    MISSED = "missed"


OUTCOMES = frozenset({Status.ATTENDED, Status.MISSED})


class Outcome(StrEnum):
    """How a past appointment went, when it is recorded as history."""

    ATTENDED = "attended"
    MISSED = "missed"


AHEAD = timedelta(days=5 * 366)
"""Nothing is booked further ahead than this: a later date is a typing mistake."""
BEHIND = timedelta(days=10 * 366)
"""History older than this belongs to an archive, not to a live case."""


class Mistimed(Exception):
    """The appointment's time breaks the rule of when one may be (answered as 422)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class StaleRevision(Exception):
    """The caller read an older revision than the current one (answered as 409)."""

    def __init__(self, expected: int, current: int, status: str) -> None:
        super().__init__(
            f"the appointment changed since revision {expected} (now revision {current}, "
            f"{status}): reload it and apply your change again"
        )
        self.current = current


@dataclass(frozen=True)
class AppointmentState:
    """What an appointment is now, as its events carry it (the place is ciphertext)."""

    appointment_id: str
    case_id: str
    person_id: str
    organisation_id: str
    kind: str
    status: Status
    revision: int
    starts_at: datetime
    timezone: str
    place: str


Change = tuple[AppointmentState, AppointmentEvent]


def schedule(
    *,
    appointment_id: str,
    case_id: str,
    person_id: str,
    organisation_id: str,
    kind: Kind,
    starts_at: datetime,
    timezone: str,
    place: str,
    now: datetime,
    outcome: Outcome | None = None,
) -> Change:
    """A new appointment at revision 1: ahead of now, or past and recorded with its outcome."""
    _check_time(_utc(starts_at), now, outcome)
    state = AppointmentState(
        appointment_id=appointment_id,
        case_id=case_id,
        person_id=person_id,
        organisation_id=organisation_id,
        kind=kind.value,
        status=Status.SCHEDULED if outcome is None else Status(outcome.value),
        revision=1,
        starts_at=_utc(starts_at),
        timezone=timezone,
        place=place,
    )
    if outcome is not None:
        return state, _history(state, outcome)
    return state, _event(AppointmentScheduled, state)


def reschedule(
    state: AppointmentState,
    *,
    now: datetime,
    revision: int,
    starts_at: datetime | None = None,
    timezone: str | None = None,
    place: str | None = None,
    outcome: Outcome | None = None,
) -> Change:
    """Move the appointment or change its place; only a scheduled one can move, and only
    ahead of now, unless the move records it as history with its outcome."""
    _check_revision(state, revision)
    if starts_at is None and timezone is None and place is None:
        raise Refused("nothing to change: give starts_at, timezone or place")
    if state.status is not Status.SCHEDULED:
        raise Refused(f"a {state.status} appointment cannot be rescheduled: schedule a new one")
    moved = replace(
        state,
        revision=state.revision + 1,
        starts_at=state.starts_at if starts_at is None else _utc(starts_at),
        timezone=timezone or state.timezone,
        place=place or state.place,
    )
    # a change of place or zone alone leaves the time as it was: only a new time is checked
    if starts_at is not None or outcome is not None:
        _check_time(moved.starts_at, now, outcome)
    if outcome is not None:
        done = replace(moved, status=Status(outcome.value))
        return done, _history(done, outcome)
    return moved, _event(AppointmentRescheduled, moved)


def cancel(state: AppointmentState, *, revision: int | None = None) -> Change:
    """The appointment will not take place; only a scheduled one can be cancelled."""
    _check_revision(state, revision)
    if state.status is not Status.SCHEDULED:
        raise Refused(f"a {state.status} appointment cannot be cancelled")
    cancelled = replace(state, status=Status.CANCELLED, revision=state.revision + 1)
    return cancelled, _event(AppointmentCancelled, cancelled)


def attended(state: AppointmentState, *, now: datetime, revision: int | None = None) -> Change:
    """The person came; also corrects an appointment recorded as missed."""
    return _outcome(state, Status.ATTENDED, now, revision)


def missed(state: AppointmentState, *, now: datetime, revision: int | None = None) -> Change:
    """The person did not come; also corrects an appointment recorded as attended."""
    return _outcome(state, Status.MISSED, now, revision)


def _outcome(
    state: AppointmentState, outcome: Status, now: datetime, revision: int | None
) -> Change:
    _check_revision(state, revision)
    if state.status is Status.CANCELLED:
        raise Refused(f"a cancelled appointment cannot be marked {outcome}")
    if state.status is outcome:
        raise Refused(f"the appointment is marked {outcome} already")
    if _utc(now) < state.starts_at:
        raise Refused(
            f"the appointment starts at {state.starts_at.isoformat()}: "
            f"it cannot be marked {outcome} before it starts"
        )
    done = replace(state, status=outcome, revision=state.revision + 1)
    kind = AppointmentAttended if outcome is Status.ATTENDED else AppointmentMissed
    return done, _event(kind, done)


def _check_time(starts_at: datetime, now: datetime, outcome: Outcome | None) -> None:
    """Ahead of now and without an outcome, or past with one; never absurdly far either way."""
    now = _utc(now)
    if starts_at > now + AHEAD:
        raise Mistimed("starts_at", "an appointment is booked at most 5 years ahead")
    if starts_at < now - BEHIND:
        raise Mistimed("starts_at", "an appointment is recorded at most 10 years back")
    if starts_at <= now and outcome is None:
        raise Mistimed(
            "starts_at",
            f"{starts_at.isoformat()} is already past: schedule ahead of now, or record the "
            "appointment as history with its outcome (attended or missed)",
        )
    if starts_at > now and outcome is not None:
        raise Mistimed(
            "outcome",
            f"the appointment starts at {starts_at.isoformat()}, ahead of now: "
            "its outcome is recorded once it has started",
        )


def _history(state: AppointmentState, outcome: Outcome) -> AppointmentEvent:
    """The outcome event of an appointment recorded after the fact: no reminder is due."""
    kind = AppointmentAttended if outcome is Outcome.ATTENDED else AppointmentMissed
    return _event(kind, state).model_copy(update={"history": True})


def _check_revision(state: AppointmentState, expected: int | None) -> None:
    if expected is not None and expected != state.revision:
        raise StaleRevision(expected, state.revision, state.status)


def _utc(instant: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is a programming error, never a guess."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("appointments need an aware datetime (with its UTC offset)")
    return instant.astimezone(UTC)


def _event(
    kind: type[AppointmentEvent],
    state: AppointmentState,
) -> AppointmentEvent:
    return kind(
        case_id=state.case_id,
        appointment_id=state.appointment_id,
        person_id=state.person_id,
        organisation_id=state.organisation_id,
        kind=state.kind,
        revision=state.revision,
        starts_at=state.starts_at,
        timezone=state.timezone,
        place=state.place,
    )
