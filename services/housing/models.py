"""Housing's tables, in its own registry: the centre's sites, rooms and beds, beds out of
service, and the nights each bed is given. No names: persons appear by id only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import instant
from shared.inbox import define_inbox_tables
from shared.outbox import define_outbox_table

HOLD_KINDS = ("offer", "hold", "stay")


class HousingModel(SQLModel, registry=registry()):
    """Base of housing's tables."""


class Site(HousingModel, table=True):
    """A site of the centre, run by its operating organisation. The address is not personal
    data and is kept in clear, but a confidential site's is never shown outside its operator."""

    __tablename__ = "sites"

    id: str = Field(primary_key=True, max_length=36)
    code: str = Field(unique=True, max_length=64)
    organisation_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    address: str = Field(max_length=300)
    confidential: bool = False
    declared_at: datetime = instant()


class Room(HousingModel, table=True):
    """A room of a site: its kind (single, family, women_only, men_only) and attributes."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("site_id", "label", name="uq_rooms_site_label"),)

    id: str = Field(primary_key=True, max_length=36)
    site_id: str = Field(foreign_key="sites.id", index=True, max_length=36)
    label: str = Field(max_length=40)
    kind: str = Field(max_length=16)
    accessible: bool = False
    cot: bool = False
    added_by: str = Field(max_length=128)
    added_at: datetime = instant()


class Bed(HousingModel, table=True):
    """A bed of a room; a bed of extra capacity is open from its block's first to last night."""

    __tablename__ = "beds"
    __table_args__ = (UniqueConstraint("room_id", "label", name="uq_beds_room_label"),)

    id: str = Field(primary_key=True, max_length=36)
    room_id: str = Field(foreign_key="rooms.id", index=True, max_length=36)
    site_id: str = Field(foreign_key="sites.id", index=True, max_length=36)
    label: str = Field(max_length=40)
    extra_block: str | None = Field(default=None, index=True, max_length=64)
    extra_first_night: date | None = None
    extra_last_night: date | None = None
    added_by: str = Field(max_length=128)
    added_at: datetime = instant()


class BedOutage(HousingModel, table=True):
    """A bed out of service from `first_night` to `last_night` (both included); the reason is
    the staff's (no personal data)."""

    __tablename__ = "bed_outages"

    id: str = Field(primary_key=True, max_length=36)
    bed_id: str = Field(foreign_key="beds.id", index=True, max_length=36)
    first_night: date
    last_night: date
    reason: str = Field(max_length=500)
    added_by: str = Field(max_length=128)
    added_at: datetime = instant()


class BedNight(HousingModel, table=True):
    """A bed given for one night (offered, held for a short while, or slept in). The primary
    key is the database's own guarantee that no bed is given twice for the same night."""

    __tablename__ = "bed_nights"
    __table_args__ = (
        CheckConstraint("kind IN ('offer', 'hold', 'stay')", name="ck_bed_nights_kind"),
    )

    bed_id: str = Field(foreign_key="beds.id", primary_key=True, max_length=36)
    night: date = Field(primary_key=True)
    kind: str = Field(max_length=8)
    placement_id: str = Field(index=True, max_length=36)
    created_at: datetime = instant()


metadata = HousingModel.metadata
outbox_table = define_outbox_table(metadata)
inbox_table, parked_table = define_inbox_tables(metadata)
