"""Quiet hours: no SMS at night in the person's own time zone, across DST changes.

Quiet hours are a window of local wall-clock times, [start, end); when start > end the
window spans midnight (21:00-08:00 by default), and start == end means no quiet hours.
Wall times are turned into instants with zoneinfo on their own date, so the day of a DST
change gets that day's offset. A wall time that does not exist (skipped by a spring-forward
change) resolves to the change itself, the first instant whose wall time is not earlier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The latest allowed instant before quiet hours begin, to the second: 20:59:59 for 21:00.
_JUST_BEFORE = timedelta(seconds=1)


@dataclass(frozen=True)
class QuietHours:
    """A nightly window of local times in which no SMS is sent."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local wall times: start and end must be naive")

    def contains(self, wall: time) -> bool:
        """Whether a local wall-clock time falls inside the window."""
        if self.start <= self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end


def is_quiet(instant: datetime, zone: ZoneInfo, quiet: QuietHours) -> bool:
    """Whether the instant falls inside quiet hours in the zone."""
    return quiet.contains(_wall(instant, zone).time())


def next_allowed(instant: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """The instant itself if allowed, else the local `end` that closes its window, in UTC."""
    if not is_quiet(instant, zone, quiet):
        return instant.astimezone(UTC)
    wall = _wall(instant, zone)
    # After `start` on a window spanning midnight, the window closes tomorrow morning.
    closes_tomorrow = quiet.start > quiet.end and wall.time() >= quiet.start
    day = wall.date() + timedelta(days=1 if closes_tomorrow else 0)
    return _first_instant_at(day, quiet.end, zone)


def last_allowed_before(instant: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """The latest allowed instant <= `instant`, in UTC: the second before its window opened."""
    if not is_quiet(instant, zone, quiet):
        return instant.astimezone(UTC)
    wall = _wall(instant, zone)
    # Before `end` on a window spanning midnight, the window opened yesterday evening.
    opened_yesterday = quiet.start > quiet.end and wall.time() < quiet.end
    day = wall.date() - timedelta(days=1 if opened_yesterday else 0)
    return _first_instant_at(day, quiet.start, zone) - _JUST_BEFORE


def require_aware(value: datetime, name: str) -> datetime:
    """The value in UTC; ValueError if it is naive (a wall time with no zone is ambiguous)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of an aware instant."""
    return require_aware(instant, "instant").astimezone(zone).replace(tzinfo=None)


def _first_instant_at(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    """The first instant, in UTC, whose local wall time on `day` is `wall_time` or later."""
    wanted = datetime.combine(day, wall_time)
    # fold=0: the first of two readings in a fall-back hour, the earliest one.
    candidate = wanted.replace(tzinfo=zone).astimezone(UTC)
    if _wall(candidate, zone) == wanted:
        return candidate
    # Skipped by a spring-forward change: bisect, to the second, for the change itself.
    low = math.floor(wanted.replace(tzinfo=zone, fold=1).timestamp())  # before the change
    high = math.ceil(candidate.timestamp())  # after it
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= wanted:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)
