"""Events published by the housing service on `housing.events`, keyed by the site, room or bed
they are about.

The centre's plan (sites, rooms, beds, extra capacity) and beds put out of service. A site's
address never travels: a confidential site's address stays with its operator. An outage's
reason (staff text) stays in housing's table."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from shared.events.base import Event

TOPIC = "housing.events"


class SiteDeclared(Event):
    """A site of the centre exists, run by its operating organisation (from the centre's
    plan). A confidential site (a shelter for women fleeing violence) shows others only
    that it exists."""

    TYPE = "housing.site_declared.v1"
    AGGREGATE = "site_id"

    site_id: str
    code: str = Field(description="the site's short name in the centre's plan")
    label: str = Field(description="the site's name, as partners see it")
    organisation_id: str = Field(description="the operating organisation")
    confidential: bool
    declared_at: datetime


class RoomAdded(Event):
    """A room of a site: its kind (single, family, women_only, men_only) and attributes."""

    TYPE = "housing.room_added.v1"
    AGGREGATE = "room_id"

    room_id: str
    site_id: str
    organisation_id: str
    label: str
    kind: str
    accessible: bool
    cot: bool
    added_at: datetime


class BedAdded(Event):
    """A bed of a room; a bed of extra capacity (the winter plan) belongs to its block and
    is open from `extra_first_night` to `extra_last_night` only, counted apart."""

    TYPE = "housing.bed_added.v1"
    AGGREGATE = "bed_id"

    bed_id: str
    room_id: str
    site_id: str
    organisation_id: str
    label: str
    extra_block: str | None = None
    extra_first_night: date | None = None
    extra_last_night: date | None = None
    added_at: datetime


class BedOutOfService(Event):
    """A bed cannot be given from `first_night` to `last_night` (both included); the staff's
    reason stays in housing."""

    TYPE = "housing.bed_out_of_service.v1"
    AGGREGATE = "bed_id"

    outage_id: str
    bed_id: str
    site_id: str
    organisation_id: str
    first_night: date
    last_night: date
    recorded_at: datetime


CONTRACTS: tuple[type[Event], ...] = (SiteDeclared, RoomAdded, BedAdded, BedOutOfService)
