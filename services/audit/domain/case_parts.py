"""The parts of a case as they stood: the offers of it to partners, its legal deadlines with
their recomputations, its appointments; named as casework names them in its answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Share:
    """An offer of the case to a partner (access, or ownership for a transfer)."""

    id: str
    case_id: str
    organisation_id: str
    kind: str
    status: str
    offered_by: str | None
    offered_at: datetime
    answered_by: str | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class Revision:
    """A recomputation of a deadline: the old and new values, and why."""

    cause: str
    old_due: date | None
    new_due: date | None
    old_rule_version: int
    new_rule_version: int
    recomputed_at: datetime


@dataclass(frozen=True)
class Deadline:
    """A legal deadline: the computed date beside the notified one, and where it stands."""

    id: str
    case_id: str
    rule_id: str
    rule_version: int
    legal_reference: str
    anchor: date
    computed_due: date | None
    notified_due: date | None
    status: str = "open"
    closed_at: datetime | None = None
    revisions: tuple[Revision, ...] = ()

    @property
    def due(self) -> date | None:
        """The date to act by: the earlier of the computed and the notified deadline."""
        dates = [d for d in (self.computed_due, self.notified_due) if d is not None]
        return min(dates) if dates else None

    @property
    def differs(self) -> bool:
        """The notified and computed dates disagree."""
        notified, computed = self.notified_due, self.computed_due
        return notified is not None and computed is not None and notified != computed


@dataclass(frozen=True)
class Appointment:
    """An appointment (its place as the ciphertext it travelled as)."""

    id: str
    case_id: str
    kind: str
    starts_at: datetime
    timezone: str
    place: str
    status: str
    revision: int
    updated_by: str | None
    updated_at: datetime
    person_id: str
