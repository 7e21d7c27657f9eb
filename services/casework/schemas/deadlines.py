"""Answers about legal deadlines, and the clock events caseworkers record."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.bounds import Day
from shared.schemas import Command


class ClockKind(StrEnum):
    """What can happen to a deadline's clock."""

    SUSPENDED = "suspended"
    RESUMED = "resumed"
    INTERRUPTED = "interrupted"


class ClockEventCreate(Command):
    """Suspend, resume or interrupt a deadline's clock, on the date it happened."""

    kind: ClockKind
    on: Day


class RevisionPublic(BaseModel):
    """A recomputation: the old and new values, and why."""

    cause: str
    old_due: date | None
    new_due: date | None
    old_rule_version: int
    new_rule_version: int
    recomputed_at: datetime


class DeadlinePublic(BaseModel):
    """A legal deadline: the computed date beside the one the decision letter gave."""

    id: str
    case_id: str
    rule_id: str
    label: str
    rule_version: int
    legal_reference: str
    anchor: date
    computed_due: date | None = Field(description="null while the clock is suspended")
    notified_due: date | None
    due: date | None = Field(description="the date to act by: the earlier of the two")
    differs: bool = Field(description="the notified and computed dates disagree: check the letter")
    status: str
    clock: list[dict[str, str]]
    revisions: list[RevisionPublic]


class RecomputeResult(BaseModel):
    """How many open deadlines changed after a change of rule data."""

    changed: int
