"""Intake's tables, in its own registry: persons (their versions, wrapped data keys and blind
index), legal holds, partners, consents, referrals, needs assessments, households, merges,
and the outbox, inbox and parked events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, LargeBinary
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import instant
from shared.inbox import define_inbox_tables
from shared.outbox import define_outbox_table


class IntakeModel(SQLModel, registry=registry()):
    """Base of intake's tables."""


class Person(IntakeModel, table=True):
    """A person as registered; personal fields are stored encrypted with their own key."""

    __tablename__ = "persons"

    id: str = Field(primary_key=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    chosen_name_enc: str
    profile_enc: str | None = None
    phone_index: str | None = Field(default=None, index=True, max_length=64)
    preferred_language: str | None = Field(default=None, max_length=35)
    sms_consent: bool = False
    timezone: str = Field(default="Europe/Paris", max_length=64)
    registered_at: datetime = instant()
    registered_by: str = Field(max_length=128)
    erased_at: datetime | None = instant(nullable=True)
    merged_into: str | None = Field(default=None, index=True, max_length=36)


class PersonIndexEntry(IntakeModel, table=True):
    """One blind-index term of a person (a keyed hash of a name key, phone or birth-year band):
    finds candidates without a name in clear; deleted when the person is erased."""

    __tablename__ = "person_index"

    kind: str = Field(primary_key=True, max_length=16)
    digest: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, index=True, max_length=36)


class PersonKey(IntakeModel, table=True):
    """A person's data key, wrapped by the master key; deleting it erases the person."""

    __tablename__ = "person_keys"

    person_id: str = Field(primary_key=True, max_length=36)
    wrapped_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = instant()


class PersonVersion(IntakeModel, table=True):
    """A person's state before one change: updates keep their history."""

    __tablename__ = "person_versions"

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(index=True, max_length=36)
    version: int
    chosen_name_enc: str
    profile_enc: str | None = None
    preferred_language: str | None = Field(default=None, max_length=35)
    sms_consent: bool = False
    timezone: str = Field(max_length=64)
    replaced_by: str = Field(max_length=128)
    replaced_at: datetime = instant()


class LegalHold(IntakeModel, table=True):
    """Blocks a person's erasure while it is not lifted (e.g. an appeal pending)."""

    __tablename__ = "legal_holds"

    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)
    reason: str = Field(max_length=500)
    placed_by: str = Field(max_length=128)
    placed_at: datetime = instant()
    lifted_by: str | None = Field(default=None, max_length=128)
    lifted_at: datetime | None = instant(nullable=True)


class Partner(IntakeModel, table=True):
    """The city service or a partner association, and the services it provides."""

    __tablename__ = "partners"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    services: list[str] = Field(sa_column=Column(JSON, nullable=False))
    registered_at: datetime = instant()


class Consent(IntakeModel, table=True):
    """A person's consent to one purpose, for one partner or for all; withdrawn, never deleted."""

    __tablename__ = "consents"

    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)
    purpose: str = Field(max_length=64)
    partner_id: str | None = Field(default=None, max_length=64)
    given_by: str = Field(max_length=128)
    given_at: datetime = instant()
    withdrawn_by: str | None = Field(default=None, max_length=128)
    withdrawn_at: datetime | None = instant(nullable=True)


class Referral(IntakeModel, table=True):
    """A person sent to a partner's service."""

    __tablename__ = "referrals"

    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)
    partner_id: str = Field(index=True, max_length=64)
    service: str = Field(max_length=64)
    status: str = Field(max_length=32)
    requested_by: str = Field(max_length=128)
    requested_at: datetime = instant()
    override_reason: str | None = Field(default=None, max_length=500)
    status_reason: str | None = Field(default=None, max_length=500)
    updated_at: datetime | None = instant(nullable=True)
    partner_case_id: str | None = Field(default=None, max_length=36)


class NeedsAssessment(IntakeModel, table=True):
    """What a person needed when assessed; the staff's notes are encrypted with their key."""

    __tablename__ = "needs_assessments"

    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)
    needs: list[dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))
    nights_without_shelter: int | None = None
    notes_enc: str | None = None
    assessed_by: str = Field(max_length=128)
    assessed_at: datetime = instant()


class Household(IntakeModel, table=True):
    """A household around its reference person; the composition (members, ages, health
    flags) is one document encrypted with the reference person's key."""

    __tablename__ = "households"

    id: str = Field(primary_key=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    reference_person_id: str = Field(unique=True, max_length=36)
    composition_enc: str
    version: int = 1
    updated_at: datetime = instant()
    updated_by: str = Field(max_length=128)


class HouseholdMember(IntakeModel, table=True):
    """Which registered persons belong to which household (one household per person)."""

    __tablename__ = "household_members"

    person_id: str = Field(primary_key=True, max_length=36)
    household_id: str = Field(index=True, max_length=36)


class Merge(IntakeModel, table=True):
    """Two records found to be one person: the merged one points to the survivor until a
    split undoes it. Nothing is moved, so a split restores both exactly."""

    __tablename__ = "merges"

    id: str = Field(primary_key=True, max_length=36)
    survivor_id: str = Field(index=True, max_length=36)
    merged_id: str = Field(index=True, max_length=36)
    reason: str = Field(max_length=500)
    merged_by: str = Field(max_length=128)
    merged_at: datetime = instant()
    split_reason: str | None = Field(default=None, max_length=500)
    split_by: str | None = Field(default=None, max_length=128)
    split_at: datetime | None = instant(nullable=True)


metadata = IntakeModel.metadata
outbox_table = define_outbox_table(metadata)
inbox_table, parked_table = define_inbox_tables(metadata)
