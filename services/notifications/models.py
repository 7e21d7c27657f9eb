"""Notifications' tables, in its own registry: contacts and appointments as intake and
casework describe them, the messages (the durable scheduler and the ledger of what was sent),
opt-outs, inbox and outbox. Phone numbers are stored encrypted and found by keyed hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import instant
from shared.inbox import define_inbox_tables
from shared.outbox import define_outbox_table


class NotificationsModel(SQLModel, registry=registry()):
    """Base of notifications' tables."""


class Contact(NotificationsModel, table=True):
    """How to reach a person: their phone (encrypted with their key), language, time zone and
    whether they agreed to SMS reminders."""

    __tablename__ = "contacts"

    person_id: str = Field(primary_key=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    chosen_name_enc: str
    preferred_language: str = Field(max_length=35)
    registered_at: datetime = instant()
    source_event_id: str = Field(max_length=64)
    phone_enc: str | None = None
    phone_index: str | None = Field(default=None, index=True, max_length=64)
    sms_consent: bool = False
    timezone: str = Field(default="Europe/Paris", max_length=64)


class SmsConsent(NotificationsModel, table=True):
    """An `sms_reminders` consent recorded at intake (its withdrawal names only its id)."""

    __tablename__ = "sms_consents"

    consent_id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)


class KnownAppointment(NotificationsModel, table=True):
    """An appointment at its latest revision, as casework announced it."""

    __tablename__ = "appointments"

    appointment_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=36)
    person_id: str = Field(index=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=32)
    starts_at: datetime = instant()
    timezone: str = Field(max_length=64)
    place_enc: str
    revision: int
    status: str = Field(max_length=16)


class HousingNotice(NotificationsModel, table=True):
    """What a housing SMS says and until when it matters (a bed offer's expiry, a renewal's
    due date), under its message's key."""

    __tablename__ = "housing_notices"

    key: str = Field(primary_key=True, max_length=128)
    subject_id: str = Field(index=True, max_length=36)  # the offer, or the application
    person_id: str = Field(index=True, max_length=36)
    kind: str = Field(max_length=32)
    ends_at: datetime = instant()
    timezone: str = Field(max_length=64)


class Message(NotificationsModel, table=True):
    """One SMS to send or sent. `key` is its business key — (appointment, kind, revision) for a
    reminder — unique, so a replay or a redelivery never makes a second one."""

    __tablename__ = "messages"

    id: str = Field(primary_key=True, max_length=36)
    key: str = Field(unique=True, max_length=128)
    appointment_id: str | None = Field(default=None, index=True, max_length=36)
    person_id: str | None = Field(default=None, index=True, max_length=36)
    organisation_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=32)
    revision: int = 0
    status: str = Field(index=True, max_length=16)
    due_at: datetime = instant(index=True)
    deferred: bool = False
    to_enc: str | None = None  # only for answers to a number (opt-out confirmations)
    language: str | None = Field(default=None, max_length=35)
    attempts: int = 0
    next_attempt_at: datetime | None = instant(nullable=True)
    lease_until: datetime | None = instant(nullable=True)
    provider: str | None = Field(default=None, max_length=32)
    provider_id: str | None = Field(default=None, index=True, max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    requested_by: str | None = Field(default=None, max_length=128)
    created_at: datetime = instant()
    sent_at: datetime | None = instant(nullable=True)
    delivered_at: datetime | None = instant(nullable=True)
    updated_at: datetime = instant()


class OptOut(NotificationsModel, table=True):
    """A number that said STOP (found by its keyed hash); START removes it."""

    __tablename__ = "opt_outs"

    phone_index: str = Field(primary_key=True, max_length=64)
    keyword: str = Field(max_length=32)
    opted_out_at: datetime = instant()


class ProviderCallback(NotificationsModel, table=True):
    """A provider callback already handled: an inbound SMS by its id, a delivery receipt by
    its message's id and the status it reports (one message has several: sent, delivered). A
    replay of a signed callback finds its row and changes nothing."""

    __tablename__ = "provider_callbacks"

    kind: str = Field(primary_key=True, max_length=16)
    provider_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(primary_key=True, max_length=32)
    received_at: datetime = instant()


metadata = NotificationsModel.metadata
outbox_table = define_outbox_table(metadata)
inbox_table, parked_table = define_inbox_tables(metadata)
