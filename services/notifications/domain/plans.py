"""Reminder plans: when each reminder of an appointment is sent, in UTC.

The caller recomputes the plan from scratch whenever the appointment is scheduled or
rescheduled, and clears it when the appointment is cancelled, attended or missed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from services.notifications.domain.quiet import (
    QuietHours,
    is_quiet,
    last_allowed_before,
    next_allowed,
    require_aware,
)

SkipReason = Literal["appointment_past", "too_late", "merged"]


@dataclass(frozen=True)
class Offset:
    """A reminder sent some time before the appointment, under a kind that picks its text."""

    kind: str
    before: timedelta

    def __post_init__(self) -> None:
        if not self.kind:
            raise ValueError("an offset needs a kind")
        if self.before <= timedelta(0):
            raise ValueError(f"offset {self.kind!r}: 'before' must be positive, got {self.before}")


DEFAULT_OFFSETS: tuple[Offset, ...] = (
    Offset("two_days", timedelta(days=2)),
    Offset("two_hours", timedelta(hours=2)),
)
MIN_LEAD = timedelta(minutes=30)  # a reminder must arrive at least this long before


@dataclass(frozen=True)
class Planned:
    """A reminder to send at `due_at` (aware, UTC)."""

    kind: str
    due_at: datetime
    deferred: bool  # its moment fell in quiet hours, so it was moved out of them


@dataclass(frozen=True)
class Skipped:
    """A reminder not sent, and why."""

    kind: str
    reason: SkipReason


def plan(
    starts_at: datetime,
    zone: ZoneInfo,
    now: datetime,
    offsets: Sequence[Offset] = DEFAULT_OFFSETS,
    quiet: QuietHours = QuietHours(),
    min_lead: timedelta = MIN_LEAD,
    person_zone: ZoneInfo | None = None,
) -> tuple[list[Planned], list[Skipped]]:
    """The reminders of an appointment starting at `starts_at`, seen at `now`. Offsets count
    on the appointment's calendar (`zone`); quiet hours are the person's (`person_zone`,
    the appointment's zone when not given).

    1. `starts_at` and `now` must be aware (ValueError if naive); offset kinds must be unique.
    2. An appointment starting before `now + min_lead` gets nothing: every offset is skipped,
       "appointment_past" if it starts at or before `now`, else "too_late".
    3. Each offset is due at `due_time(starts_at, before)`. A due time before `now` has
       passed: skipped "too_late". If every offset has passed, one reminder of the nearest
       offset's kind is due `now` instead, so a person booked at short notice gets one.
    4. A due time in quiet hours moves to `next_allowed` (deferred=True). A time later than
       `starts_at - min_lead` moves back to `last_allowed_before(starts_at - min_lead)`
       (the evening before a morning appointment); if that is before `now`: "too_late".
    5. Two reminders landing on the same instant are merged: the nearer offset's (smaller
       `before`) is kept, the other skipped "merged".
    Planned reminders come sorted by due_at; skipped ones in the order of `offsets`.
    """
    starts_at, now = require_aware(starts_at, "starts_at"), require_aware(now, "now")
    order = {offset.kind: n for n, offset in enumerate(offsets)}
    if len(order) != len(offsets):
        raise ValueError(f"offset kinds must be unique, got {[o.kind for o in offsets]}")
    if starts_at < now + min_lead:
        reason: SkipReason = "appointment_past" if starts_at <= now else "too_late"
        return [], [Skipped(offset.kind, reason) for offset in offsets]
    wanted, skipped = _wanted(starts_at, zone, now, offsets)
    night = person_zone or zone
    kept: list[tuple[Offset, Planned]] = []
    for offset, due in wanted:
        sent = _send_time(due, starts_at - min_lead, night, now, quiet)
        if sent is None:
            skipped.append(Skipped(offset.kind, "too_late"))
        else:
            kept.append((offset, Planned(offset.kind, sent, is_quiet(due, night, quiet))))
    planned, merged = _merge(kept)
    return planned, sorted(skipped + merged, key=lambda skip: order[skip.kind])


def offsets_for(kind: str, table: Mapping[str, Sequence[Offset]]) -> Sequence[Offset]:
    """The offsets configured for an appointment kind, DEFAULT_OFFSETS if it has none."""
    return table.get(kind, DEFAULT_OFFSETS)


def due_time(starts_at: datetime, before: timedelta, zone: ZoneInfo) -> datetime:
    """`starts_at - before` in UTC: whole days on the local calendar, the rest in elapsed time.

    "2 days before" a 09:00 appointment is 09:00 two days earlier, even across a DST change;
    "2 hours before" is two elapsed hours. A local time skipped by a spring-forward change
    reads with the offset before the change (02:30 becomes 03:30), as zoneinfo's fold=0 does.
    """
    local = require_aware(starts_at, "starts_at").astimezone(zone)
    days = timedelta(days=before.days)
    same_wall_time = (local.replace(tzinfo=None) - days).replace(tzinfo=zone, fold=0)
    return same_wall_time.astimezone(UTC) - (before - days)


def _wanted(
    starts_at: datetime, zone: ZoneInfo, now: datetime, offsets: Sequence[Offset]
) -> tuple[list[tuple[Offset, datetime]], list[Skipped]]:
    """Each offset's due time not yet passed, or one due now if all have passed (rule 3)."""
    wanted, passed = [], []
    for offset in offsets:
        due = due_time(starts_at, offset.before, zone)
        if due < now:
            passed.append(offset)
        else:
            wanted.append((offset, due))
    if passed and not wanted:
        nearest = min(passed, key=lambda offset: offset.before)
        passed.remove(nearest)
        wanted.append((nearest, now))
    return wanted, [Skipped(offset.kind, "too_late") for offset in passed]


def _send_time(
    due: datetime, latest: datetime, zone: ZoneInfo, now: datetime, quiet: QuietHours
) -> datetime | None:
    """When a reminder due at `due` is sent, or None if no allowed time is left (rule 4)."""
    sent = next_allowed(due, zone, quiet)
    if sent > latest:
        sent = last_allowed_before(latest, zone, quiet)
    return sent if sent >= now else None


def _merge(kept: list[tuple[Offset, Planned]]) -> tuple[list[Planned], list[Skipped]]:
    """Planned reminders sorted by time, at most one per instant: the nearer offset's (rule 5)."""
    planned: list[Planned] = []
    merged: list[Skipped] = []
    for _, reminder in sorted(kept, key=lambda pair: (pair[1].due_at, pair[0].before)):
        if planned and planned[-1].due_at == reminder.due_at:
            merged.append(Skipped(reminder.kind, "merged"))
        else:
            planned.append(reminder)
    return planned, merged
