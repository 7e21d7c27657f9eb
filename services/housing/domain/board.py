"""A night's bed board without I/O: the state of each bed that night, and the counts per site
and room kind, with the extra capacity counted apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Night(StrEnum):
    """Where a bed stands on a night."""

    FREE = "free"
    HELD = "held"
    OCCUPIED = "occupied"
    OUT_OF_SERVICE = "out_of_service"
    CLOSED = "closed"  # extra capacity outside its block's nights: not a bed that night


@dataclass(frozen=True)
class BedFacts:
    """What decides a bed's night: its extra block's nights, its outages, what holds it."""

    extra_first: date | None = None
    extra_last: date | None = None
    outages: tuple[tuple[date, date], ...] = ()
    given: str | None = None  # the bed_nights kind that night: offer, hold or stay


def state(facts: BedFacts, night: date) -> Night:
    """The bed's state on `night`: what holds it first, then whether it is out of service."""
    if facts.extra_first is not None and not (
        facts.extra_first <= night <= (facts.extra_last or facts.extra_first)
    ):
        return Night.CLOSED
    if facts.given == "stay":
        return Night.OCCUPIED
    if facts.given in ("offer", "hold"):
        return Night.HELD
    if any(first <= night <= last for first, last in facts.outages):
        return Night.OUT_OF_SERVICE
    return Night.FREE


def counts(states: Iterable[Night]) -> dict[str, int]:
    """How many beds stand in each state (closed beds are not beds that night)."""
    found = Counter(s for s in states if s is not Night.CLOSED)
    return {s.value: found.get(s, 0) for s in Night if s is not Night.CLOSED}
