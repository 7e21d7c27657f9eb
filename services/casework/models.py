"""Casework's tables, in its own registry: cases, inbox, outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import UtcDateTime
from shared.inbox import define_inbox_tables
from shared.outbox import define_outbox_table


class CaseworkModel(SQLModel, registry=registry()):
    """Base of casework's tables."""


class Case(CaseworkModel, table=True):
    """A person's case file in the organisation that serves them; ids only, nothing personal."""

    __tablename__ = "cases"

    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    service: str = Field(max_length=64)
    # a referral opens at most one case, however often its event is delivered
    referral_id: str | None = Field(default=None, unique=True, index=True, max_length=36)
    status: str = Field(max_length=32)
    opened_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    version: int = Field(default=1)


metadata = CaseworkModel.metadata
outbox_table = define_outbox_table(metadata)
inbox_table, parked_table = define_inbox_tables(metadata)
