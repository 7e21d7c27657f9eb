"""The service's clock: real time, or (demos and tests) real time shifted to start at a given
instant, or frozen at an instant a test sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Tells the time in UTC; `set` freezes it (tests), `start` shifts it (demos)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._frozen: datetime | None = None
        self._offset = timedelta(0)
        if start is not None:
            self._offset = start.astimezone(UTC) - datetime.now(UTC)

    def __call__(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        return datetime.now(UTC) + self._offset

    def set(self, instant: datetime) -> None:
        """Freeze the clock at `instant` (aware)."""
        if instant.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._frozen = instant.astimezone(UTC)
