"""Housing's tables, in its own registry: the centre's sites, rooms and beds, beds out of
service, and the nights each bed is given. No names: persons appear by id only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
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

OFFER_STATUSES = ("offered", "taken", "expired", "declined", "withdrawn")
CHECK_OUT_REASONS = ("orientation", "social_housing", "left", "exclusion")


class Offer(HousingModel, table=True):
    """Beds of one room held for a placement for some nights (`kind` offer), or one bed held
    for tonight by a caseworker bringing someone over (`kind` hold), until `expires_at`."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('offered', 'taken', 'expired', 'declined', 'withdrawn')",
            name="ck_offers_status",
        ),
        CheckConstraint("kind IN ('offer', 'hold')", name="ck_offers_kind"),
    )

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=8)
    placement_id: str = Field(index=True, max_length=36)
    site_id: str = Field(foreign_key="sites.id", max_length=36)
    room_id: str = Field(foreign_key="rooms.id", index=True, max_length=36)
    bed_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    first_night: date
    nights: int
    status: str = Field(default="offered", index=True, max_length=12)
    expires_at: datetime = instant(index=True)
    offered_by: str = Field(max_length=128)
    offered_at: datetime = instant()
    closed_at: datetime | None = instant(nullable=True)
    split_id: str | None = Field(default=None, index=True, max_length=36)
    """The coordinator's split (`household_splits`) this offer is one room of, if any."""


class HouseholdSplit(HousingModel, table=True):
    """A coordinator's choice to split a household over several rooms (one offer each, the
    same deadline); the reason is sealed with the person's key."""

    __tablename__ = "household_splits"

    id: str = Field(primary_key=True, max_length=36)
    placement_id: str = Field(foreign_key="placement_requests.id", index=True, max_length=36)
    site_id: str = Field(foreign_key="sites.id", max_length=36)
    reason_enc: str
    split_by: str = Field(max_length=128)
    split_at: datetime = instant()


class Stay(HousingModel, table=True):
    """A household sleeping in the beds of a taken offer, from check-in to check-out; a
    check-out without an orientation is a coordinator's and is flagged (continuity)."""

    __tablename__ = "stays"

    id: str = Field(primary_key=True, max_length=36)
    offer_id: str = Field(foreign_key="offers.id", unique=True, max_length=36)
    placement_id: str = Field(index=True, max_length=36)
    room_id: str = Field(foreign_key="rooms.id", index=True, max_length=36)
    bed_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    first_night: date
    last_night: date
    checked_in_by: str = Field(max_length=128)
    checked_in_at: datetime = instant()
    checked_out_by: str | None = Field(default=None, max_length=128)
    checked_out_at: datetime | None = instant(nullable=True)
    check_out_reason: str | None = Field(default=None, max_length=16)
    flagged: bool = False


PLACEMENT_STATUSES = ("waiting", "offered", "placed", "closed")


class PlacementRequest(HousingModel, table=True):
    """A household's request for a place: opened once per referral from intake, or directly
    by a caseworker. It keeps the facts priority and rooms read (ages, flags, needs), never a
    name; `household_known` says whether intake's composition could be read."""

    __tablename__ = "placement_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'offered', 'placed', 'closed')",
            name="ck_placement_requests_status",
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    referral_id: str | None = Field(default=None, unique=True, max_length=36)
    status: str = Field(default="waiting", index=True, max_length=8)
    members: list[dict[str, object]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    nights_without_shelter: int = 0
    accessible: bool = False
    cot: bool = False
    women_only: bool = False
    household_known: bool = False
    missing: str | None = Field(default=None, max_length=40)
    requested_by: str = Field(max_length=128)
    requested_at: datetime = instant()


class PlacementOverride(HousingModel, table=True):
    """A coordinator's move of a request on the waiting list: to a position or above another
    request; the reason is sealed with the person's key."""

    __tablename__ = "placement_overrides"

    id: str = Field(primary_key=True, max_length=36)
    placement_id: str = Field(foreign_key="placement_requests.id", index=True, max_length=36)
    position: int | None = None
    above: str | None = Field(default=None, max_length=36)
    reason_enc: str
    made_by: str = Field(max_length=128)
    made_at: datetime = instant()


class IntakeFacts(HousingModel, table=True):
    """What intake told housing of a person: their household's composition as intake sealed
    it with the reference person's key, and the nights without shelter last assessed."""

    __tablename__ = "intake_facts"

    person_id: str = Field(primary_key=True, max_length=36)
    household_id: str | None = Field(default=None, max_length=36)
    household_version: int = 0
    composition: str | None = None
    nights_without_shelter: int | None = None
    updated_at: datetime = instant()


class HousingApplication(HousingModel, table=True):
    """A person's social housing application, followed by an organisation: its numéro unique
    sealed with the person's key (it identifies them at the SIAO) and found by a keyed hash,
    its filing date and the renewal due before each anniversary, and a DALO case's id."""

    __tablename__ = "housing_applications"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'lapsed', 'closed')", name="ck_housing_applications_status"
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(index=True, max_length=36)
    organisation_id: str = Field(index=True, max_length=64)
    number_enc: str
    number_digest: str = Field(unique=True, max_length=64)
    departement: str = Field(max_length=3)
    filed_on: date
    renewal_due: date = Field(index=True)
    renewals: int = 0
    last_renewed_on: date | None = None
    status: str = Field(default="active", index=True, max_length=8)
    dalo_case_id: str | None = Field(default=None, max_length=36)
    filed_by: str = Field(max_length=128)
    filed_at: datetime = instant()


class RenewalReminder(HousingModel, table=True):
    """A renewal reminder announced once: the key is the application, the due date and the
    kind (month_before, week_before), so a second worker's scan finds it sent."""

    __tablename__ = "renewal_reminders"

    application_id: str = Field(
        foreign_key="housing_applications.id", primary_key=True, max_length=36
    )
    due: date = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=16)
    announced_at: datetime = instant()


class HousingProposal(HousingModel, table=True):
    """A dwelling proposed to an application after a commission; the dwelling and a refusal's
    reason are sealed with the person's key."""

    __tablename__ = "housing_proposals"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('pending', 'accepted', 'refused')", name="ck_housing_proposals_outcome"
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    application_id: str = Field(foreign_key="housing_applications.id", index=True, max_length=36)
    dwelling_enc: str
    commission_on: date
    outcome: str = Field(default="pending", max_length=8)
    reason_enc: str | None = None
    received_by: str = Field(max_length=128)
    received_at: datetime = instant()
    answered_by: str | None = Field(default=None, max_length=128)
    answered_at: datetime | None = instant(nullable=True)


class Suggestion(HousingModel, table=True):
    """The household suggested for the beds an expired offer freed, for its nights left; or
    none and the `reason` (nobody_waiting, nobody_fits, no_night_left). One per offer."""

    __tablename__ = "suggestions"

    id: str = Field(primary_key=True, max_length=36)
    offer_id: str = Field(foreign_key="offers.id", unique=True, max_length=36)
    expired_placement_id: str = Field(max_length=36)
    placement_id: str | None = Field(default=None, index=True, max_length=36)
    site_id: str = Field(foreign_key="sites.id", max_length=36)
    room_id: str = Field(foreign_key="rooms.id", index=True, max_length=36)
    bed_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    first_night: date = Field(index=True)
    nights: int = 0
    position: int | None = None
    reason: str | None = Field(default=None, max_length=16)
    suggested_at: datetime = instant()
