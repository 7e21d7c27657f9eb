"""Casework's tables, in its own registry. Personal free text is stored encrypted with the
person's key (fetched from intake's key store); everything else is ids, dates and codes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import instant
from shared.inbox import define_inbox_tables
from shared.outbox import define_outbox_table


class CaseworkModel(SQLModel, registry=registry()):
    """Base of casework's tables."""


class Case(CaseworkModel, table=True):
    """A person's case file, owned by one organisation; `version` guards concurrent changes."""

    __tablename__ = "cases"

    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    service: str = Field(max_length=64)
    # a referral opens at most one case, however often its event is delivered
    referral_id: str | None = Field(default=None, unique=True, index=True, max_length=36)
    case_type: str | None = Field(default=None, index=True, max_length=64)
    status: str = Field(index=True, max_length=64)
    assignee: str | None = Field(default=None, index=True, max_length=128)
    opened_at: datetime = instant()
    updated_at: datetime | None = instant(nullable=True)
    version: int = Field(default=1)


class KnownPerson(CaseworkModel, table=True):
    """Who registered a person, as intake said: the organisation that may open their cases."""

    __tablename__ = "known_persons"

    person_id: str = Field(primary_key=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    erased_at: datetime | None = instant(nullable=True)


class KnownConsent(CaseworkModel, table=True):
    """A person's consent as intake recorded it: sharing needs one that stands."""

    __tablename__ = "known_consents"

    consent_id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)
    purpose: str = Field(max_length=64)
    partner_id: str | None = Field(default=None, index=True, max_length=64)
    withdrawn_at: datetime | None = instant(nullable=True)


class CaseShare(CaseworkModel, table=True):
    """An offer to a partner: access to the case (referral) or its ownership (transfer)."""

    __tablename__ = "case_shares"

    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(index=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=16)
    status: str = Field(max_length=16)
    offered_by: str = Field(max_length=128)
    offered_at: datetime = instant()
    answered_by: str | None = Field(default=None, max_length=128)
    answered_at: datetime | None = instant(nullable=True)
    reason: str | None = Field(default=None, max_length=500)


class IncomingReferral(CaseworkModel, table=True):
    """A referral from intake in the partner's inbox: pending until the partner answers it
    (or it is accepted at once when the partner opted in for its service)."""

    __tablename__ = "incoming_referrals"

    id: str = Field(primary_key=True, max_length=36)  # intake's referral id
    person_id: str = Field(index=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    service: str = Field(max_length=64)
    status: str = Field(index=True, max_length=16)
    requested_at: datetime = instant()
    automatic: bool = False
    case_id: str | None = Field(default=None, max_length=36)
    answered_by: str | None = Field(default=None, max_length=128)
    answered_at: datetime | None = instant(nullable=True)
    reason_enc: str | None = None  # a decline's reason, encrypted with the person's key


class ReferralSettings(CaseworkModel, table=True):
    """How a partner organisation takes referrals: the services it accepts without a look."""

    __tablename__ = "referral_settings"

    organisation_id: str = Field(primary_key=True, max_length=64)
    auto_accept: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_by: str = Field(max_length=128)
    updated_at: datetime = instant()


class Deadline(CaseworkModel, table=True):
    """A legal deadline of a case: computed from a rule version, beside the notified one."""

    __tablename__ = "deadlines"

    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(index=True, max_length=36)
    rule_id: str = Field(max_length=64)
    rule_version: int
    legal_reference: str = Field(max_length=200)
    anchor: date
    clock: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    computed_due: date | None = Field(default=None, index=True)
    notified_due: date | None = None
    status: str = Field(default="open", index=True, max_length=16)
    set_at: datetime = instant()
    closed_at: datetime | None = instant(nullable=True)


class DeadlineRevision(CaseworkModel, table=True):
    """A recomputation of a deadline: the old and new values, and why."""

    __tablename__ = "deadline_revisions"

    id: int | None = Field(default=None, primary_key=True)
    deadline_id: str = Field(index=True, max_length=36)
    cause: str = Field(max_length=32)
    old_due: date | None = None
    new_due: date | None = None
    old_rule_version: int
    new_rule_version: int
    recomputed_at: datetime = instant()


class DeadlineAlert(CaseworkModel, table=True):
    """A `deadline_approaching` already announced for one horizon (never twice)."""

    __tablename__ = "deadline_alerts"
    __table_args__ = (UniqueConstraint("deadline_id", "horizon_days", "due"),)

    id: int | None = Field(default=None, primary_key=True)
    deadline_id: str = Field(index=True, max_length=36)
    horizon_days: int
    due: date
    noticed_at: datetime = instant()


class Appointment(CaseworkModel, table=True):
    """An appointment of the person; the place is encrypted with their key."""

    __tablename__ = "appointments"

    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(index=True, max_length=36)
    kind: str = Field(max_length=32)
    starts_at: datetime = instant()
    timezone: str = Field(max_length=64)
    place_enc: str
    status: str = Field(default="scheduled", max_length=16)
    revision: int = 1
    updated_by: str = Field(max_length=128)
    updated_at: datetime = instant()


class Task(CaseworkModel, table=True):
    """Something to do on the case, by a date; the title is encrypted."""

    __tablename__ = "tasks"

    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(index=True, max_length=36)
    title_enc: str
    due_on: date | None = Field(default=None, index=True)
    assignee: str | None = Field(default=None, max_length=128)
    added_by: str = Field(max_length=128)
    added_at: datetime = instant()
    completed_at: datetime | None = instant(nullable=True)


class Note(CaseworkModel, table=True):
    """A confidential note of the owning organisation, encrypted with the person's key."""

    __tablename__ = "notes"

    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(index=True, max_length=36)
    organisation_id: str = Field(max_length=64)
    text_enc: str
    added_by: str = Field(max_length=128)
    added_at: datetime = instant()


class Document(CaseworkModel, table=True):
    """One item of a case's document checklist: metadata only, never the file."""

    __tablename__ = "documents"

    case_id: str = Field(primary_key=True, max_length=36)
    item: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=16)
    expires_on: date | None = None
    updated_by: str = Field(max_length=128)
    updated_at: datetime = instant()


metadata = CaseworkModel.metadata
outbox_table = define_outbox_table(metadata)
inbox_table, parked_table = define_inbox_tables(metadata)
