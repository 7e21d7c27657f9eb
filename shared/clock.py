"""A service's one clock: real time in UTC, shifted for demos, frozen or replaced in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def wall_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


class Clock:
    """Tells the time in UTC. `set` freezes it, `follow` hands it to another source (tests);
    `start` shifts real time so that it starts at that instant (demos)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._source: Callable[[], datetime] = wall_clock
        self._offset = timedelta(0)
        if start is not None:
            self._offset = start.astimezone(UTC) - wall_clock()

    def __call__(self) -> datetime:
        return self._source() + self._offset

    def set(self, instant: datetime) -> None:
        """Freeze the clock at `instant` (aware)."""
        if instant.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        frozen = instant.astimezone(UTC)
        self.follow(lambda: frozen)

    def follow(self, source: Callable[[], datetime]) -> None:
        """Read the time from `source` from now on (a test's own clock)."""
        if source is self:
            return
        self._source, self._offset = source, timedelta(0)
