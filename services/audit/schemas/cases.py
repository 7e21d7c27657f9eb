"""A case as it was at an instant: named as casework names its answers, for what the events
carry (a decline's reason, a deadline's label and clock, the allowed moves stay in casework)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class ShareAsOf(BaseModel):
    """An offer of the case to a partner and where it stood."""

    id: str
    case_id: str
    organisation_id: str
    kind: str
    status: str
    offered_by: str | None
    offered_at: datetime
    answered_by: str | None
    answered_at: datetime | None


class RevisionAsOf(BaseModel):
    """A recomputation of a deadline: the old and new values, and why."""

    cause: str
    old_due: date | None
    new_due: date | None
    old_rule_version: int
    new_rule_version: int
    recomputed_at: datetime


class DeadlineAsOf(BaseModel):
    """A legal deadline: the computed date beside the notified one, and the date to act by."""

    id: str
    case_id: str
    rule_id: str
    rule_version: int
    legal_reference: str
    anchor: date
    computed_due: date | None
    notified_due: date | None
    due: date | None = Field(description="the earlier of the computed and notified dates")
    differs: bool
    status: str = Field(description="open, met or cancelled")
    closed_at: datetime | None
    revisions: list[RevisionAsOf]


class AppointmentAsOf(BaseModel):
    """An appointment and where it stood; its place while the person's key exists."""

    id: str
    case_id: str
    kind: str
    starts_at: datetime
    timezone: str
    local_start: datetime
    place: str = Field(description="`[erased]` once the person's key is gone")
    status: str
    revision: int
    updated_by: str | None
    updated_at: datetime


class CaseAsOf(BaseModel):
    """A case file as it stood at `as_of`."""

    as_of: datetime
    id: str
    person_id: str
    organisation_id: str = Field(description="the owner")
    service: str
    referral_id: str | None
    case_type: str | None
    status: str | None = Field(description="null only when the events cannot tell it")
    assignee: str | None
    opened_at: datetime
    updated_at: datetime | None
    version: int
    partners: list[str] = Field(description="the organisations the case was shared with")
    shares: list[ShareAsOf]
    deadlines: list[DeadlineAsOf] = Field(description="open ones first, soonest due first")
    appointments: list[AppointmentAsOf]
