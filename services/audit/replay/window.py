"""The span of event times an auditor asks about: it filters what is counted, never what is
verified (every chain is always checked whole)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

UTC_SUFFIX = "+00:00"


@dataclass(frozen=True)
class Window:
    """Event times from `start` (included) to `end` (excluded); None: unbounded."""

    start: datetime | None = None
    end: datetime | None = None

    @property
    def bounds(self) -> tuple[str | None, str | None]:
        """The bounds as UTC ISO texts, comparable with `utc_text` of an event's time."""
        return (
            None if self.start is None else self.start.astimezone(UTC).isoformat(),
            None if self.end is None else self.end.astimezone(UTC).isoformat(),
        )

    def to_json(self) -> dict[str, str | None]:
        """The window as it is written in a report."""
        start, end = self.bounds
        return {"from": start, "to": end}


def parse_bound(text: str, *, end: bool) -> datetime:
    """A date (a whole day: `--to 2026-11-30` includes the 30th) or an ISO date and time
    (UTC when it names no offset)."""
    if len(text) == 10:
        day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
        return datetime.combine(day, time(), tzinfo=UTC)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def utc_text(moment: str) -> str:
    """An event's time as a UTC ISO text (the outboxes write UTC already: kept as it is)."""
    if moment.endswith(UTC_SUFFIX):
        return moment
    return datetime.fromisoformat(moment).astimezone(UTC).isoformat()
