"""The computation of a deadline: one rule version applied to an anchor date (a
notification, an expiry, a last visit) and to the clock events that may suspend or restart
it, keeping the version and legal reference with the result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from typing import Literal

from services.casework.domain.calendar import add_months, add_working_days
from services.casework.domain.deadlines.rules import DeadlineRule, Delay, Direction

EventKind = Literal["suspended", "resumed", "interrupted"]


@dataclass(frozen=True)
class ClockEvent:
    """Something that pauses, resumes or restarts a running delay, on a given day."""

    kind: EventKind
    on: date


@dataclass(frozen=True)
class Computation:
    """A computed deadline with the rule version and law behind it, and what was ignored."""

    rule_id: str
    rule_version: int
    legal_reference: str
    anchor: date  # the date the delay runs from: the last counted interruption, if any
    due: date | None  # None while suspended
    suspended_since: date | None
    remaining_days: int | None  # the days left at suspension, while suspended
    ignored: tuple[ClockEvent, ...]


@dataclass(frozen=True)
class _State:
    """The clock between two events."""

    anchor: date
    due: date | None
    suspended_since: date | None = None
    remaining_days: int | None = None


def compute(rule: DeadlineRule, anchor: date, clock: Sequence[ClockEvent] = ()) -> Computation:
    """Apply a rule to an anchor date and the clock events, in date order."""
    state = _State(anchor, _shift(anchor, rule.delay, rule.direction))
    ignored: list[ClockEvent] = []
    for event in sorted(clock, key=attrgetter("on")):
        applied = _apply(rule, state, event)
        if applied is None:
            ignored.append(event)
        else:
            state = applied
    return Computation(
        rule_id=rule.id,
        rule_version=rule.version,
        legal_reference=rule.legal_reference,
        anchor=state.anchor,
        due=state.due,
        suspended_since=state.suspended_since,
        remaining_days=state.remaining_days,
        ignored=tuple(ignored),
    )


def _apply(rule: DeadlineRule, state: _State, event: ClockEvent) -> _State | None:
    """The state after one event, or None when the event does not count."""
    if event.on < state.anchor:
        return None
    return _EVENT_HANDLERS[event.kind](rule, state, event.on)


def _interrupt(rule: DeadlineRule, state: _State, on: date) -> _State | None:
    """The full delay restarts from `on`, unless it had already run out."""
    if state.due is not None and on > state.due:
        return None
    return _State(on, _shift(on, rule.delay, rule.direction))


def _suspend(rule: DeadlineRule, state: _State, on: date) -> _State | None:
    """Pause the clock, if the rule allows it and the request came within its window."""
    window = rule.suspension_window
    if window is None or state.due is None or on > state.due:
        return None
    if on > _shift(state.anchor, window, "after"):
        return None
    return _State(state.anchor, None, on, (state.due - on).days)


def _resume(rule: DeadlineRule, state: _State, on: date) -> _State | None:
    """The days left at suspension run again from `on`."""
    if state.suspended_since is None or state.remaining_days is None:
        return None
    return _State(state.anchor, on + timedelta(days=state.remaining_days))


_EVENT_HANDLERS: dict[EventKind, Callable[[DeadlineRule, _State, date], _State | None]] = {
    "interrupted": _interrupt,
    "suspended": _suspend,
    "resumed": _resume,
}


def _shift(day: date, delay: Delay, direction: Direction) -> date:
    """`day` moved by the delay, forwards ("after") or backwards ("before")."""
    sign = 1 if direction == "after" else -1
    if delay.unit == "days":
        return day + timedelta(days=sign * delay.amount)
    if delay.unit == "working_days":
        return add_working_days(day, sign * delay.amount)
    months = delay.amount * (12 if delay.unit == "years" else 1)
    return add_months(day, sign * months)
