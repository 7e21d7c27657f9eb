"""Audit's tables, in its own registry: every service's events exactly as published, one row
per source and sequence, never updated nor deleted; what each event is about (persons, cases,
placements) for searching; each source's chain as verified; and the breaks found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import instant
from shared.inbox import define_inbox_tables
from shared.outbox import define_outbox_table

REF_KINDS = ("person", "case", "placement", "application", "organisation")
"""What an event can be found by, besides its source, type, actor and time."""
BREAK_KINDS = ("altered", "bad_checkpoint", "fork", "bad_link", "gap", "malformed")


class AuditModel(SQLModel, registry=registry()):
    """Base of audit's tables."""


class StoredEvent(AuditModel, table=True):
    """One event of one source, as it was published (its envelope's text kept byte for byte),
    with the attributes searched by. A source's sequence is stored once: a different event
    at a known sequence is a fork, recorded as a break, never stored over the first."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("source", "seq", name="uq_audit_events_source_seq"),
        Index("ix_audit_events_time", "time"),
        Index("ix_audit_events_type_time", "type", "time"),
        Index("ix_audit_events_actor", "actor"),
    )

    # SQLite numbers rows by itself only for an INTEGER primary key
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    )
    source: str = Field(max_length=64)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    hash: str = Field(max_length=64)
    prevhash: str = Field(max_length=64)
    event_id: str = Field(max_length=64)
    type: str = Field(max_length=255)
    subject: str = Field(max_length=128)
    time: datetime = instant()
    actor: str | None = Field(default=None, max_length=128)
    actororg: str | None = Field(default=None, max_length=64)
    envelope: str = Field(sa_column=Column(Text, nullable=False))
    topic: str = Field(max_length=255)
    partition: int
    offset: int = Field(sa_column=Column(BigInteger, nullable=False))
    received_at: datetime = instant()


class EventRef(AuditModel, table=True):
    """What an event is about: a person, a case, a placement, an application, an
    organisation (ids only), so that a timeline is one indexed read: the primary key, by
    kind and id first, is that index."""

    __tablename__ = "audit_refs"

    kind: str = Field(primary_key=True, max_length=16)
    ref: str = Field(primary_key=True, max_length=128)
    event_pk: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False, nullable=False)
    )


class ChainHead(AuditModel, table=True):
    """A source's chain as verified so far: linked without a gap up to `linked_seq`, its last
    valid checkpoint, and how many events and breaks were seen."""

    __tablename__ = "audit_chain_heads"

    source: str = Field(primary_key=True, max_length=64)
    linked_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    linked_hash: str = Field(max_length=64)
    stored_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    checkpoint_seq: int | None = Field(default=None, sa_column=Column(BigInteger))
    checkpoint_at: datetime | None = instant(nullable=True)
    checkpoint_key_id: str | None = Field(default=None, max_length=64)
    events: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    breaks: int = 0
    updated_at: datetime = instant()


class ChainBreak(AuditModel, table=True):
    """A break found in a source's chain, at its exact place: what kind (altered, fork, gap,
    bad link, bad checkpoint, malformed) and what differs; a fork keeps the other envelope."""

    __tablename__ = "audit_chain_breaks"
    __table_args__ = (
        UniqueConstraint("source", "seq", "kind", "detail_hash", name="uq_audit_breaks_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, max_length=64)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=16)
    detail: str = Field(max_length=500)
    detail_hash: str = Field(max_length=64)
    envelope: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    detected_at: datetime = instant()


metadata = AuditModel.metadata
outbox_table = define_outbox_table(AuditModel.metadata)
inbox_table, parked_table = define_inbox_tables(AuditModel.metadata)
