"""A deadline rule: one version of a legal delay, with the law it comes from and when it took
effect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Unit = Literal["days", "working_days", "months", "years"]
Direction = Literal["after", "before"]

# Typed views of the allowed spellings: parsing narrows a str to the Literal through them.
UNITS: dict[str, Unit] = {u: u for u in ("days", "working_days", "months", "years")}
DIRECTIONS: dict[str, Direction] = {"after": "after", "before": "before"}


@dataclass(frozen=True)
class Delay:
    """A legal delay: an amount of calendar days, working days, months or years."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            expected = ", ".join(UNITS)
            raise ValueError(f"unknown unit {self.unit!r}; expected one of: {expected}")
        if isinstance(self.amount, bool) or self.amount < 0:
            raise ValueError(f"the amount must be a whole number >= 0, got {self.amount!r}")


@dataclass(frozen=True)
class DeadlineRule:
    """One version of a deadline rule, with the law it comes from and when it took effect."""

    id: str
    version: int
    effective_from: date
    legal_reference: str
    label: str
    delay: Delay
    direction: Direction
    suspension_window: Delay | None = None

    def __post_init__(self) -> None:
        if not self.id or not self.legal_reference or not self.label:
            raise ValueError("id, legal_reference and label must not be empty")
        if isinstance(self.version, bool) or self.version < 1:
            raise ValueError(f"the version must be a whole number >= 1, got {self.version!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'after' or 'before', got {self.direction!r}")
        if self.suspension_window is not None and self.direction == "before":
            # A date counted back from an expiry has no running clock to pause.
            raise ValueError("a rule counted 'before' its anchor cannot have a suspension_window")


class UnknownRule(LookupError):
    """No rule with this id, or none in force on the anchor date."""
