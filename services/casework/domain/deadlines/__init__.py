"""Legal deadlines: versioned, effective-dated rules read from TOML (`book`), and a pure
computation (`engine`) that applies one rule version to an anchor date and its clock events.
"""

from services.casework.domain.calendar import add_months, add_working_days, french_public_holidays
from services.casework.domain.deadlines.book import RuleBook
from services.casework.domain.deadlines.engine import ClockEvent, Computation, EventKind, compute
from services.casework.domain.deadlines.rules import (
    DeadlineRule,
    Delay,
    Direction,
    Unit,
    UnknownRule,
)

__all__ = [
    "ClockEvent",
    "Computation",
    "DeadlineRule",
    "Delay",
    "Direction",
    "EventKind",
    "RuleBook",
    "Unit",
    "UnknownRule",
    "add_months",
    "add_working_days",
    "compute",
    "french_public_holidays",
]
