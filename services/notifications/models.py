"""Notifications' tables, in its own registry: the contact projection, inbox, outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import UtcDateTime
from shared.inbox import define_inbox_tables
from shared.outbox import define_outbox_table


class NotificationsModel(SQLModel, registry=registry()):
    """Base of notifications' tables."""


class Contact(NotificationsModel, table=True):
    """Who can be reminded, and in which language; the name stays encrypted with intake's key."""

    __tablename__ = "contacts"

    person_id: str = Field(primary_key=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    chosen_name_enc: str
    preferred_language: str = Field(max_length=35)
    registered_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    source_event_id: str = Field(max_length=64)


metadata = NotificationsModel.metadata
outbox_table = define_outbox_table(metadata)
inbox_table, parked_table = define_inbox_tables(metadata)
