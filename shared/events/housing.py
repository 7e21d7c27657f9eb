"""Events published by the housing service on `housing.events`, keyed by the site, room or bed
they are about.

The centre's plan (sites, rooms, beds, extra capacity) and beds put out of service. A site's
address never travels: a confidential site's address stays with its operator. An outage's
reason (staff text) stays in housing's table."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from shared.events.base import Ciphertext, Event

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


class PlacementRequested(Event):
    """A household asks for a place: from a referral of intake, or directly by a caseworker
    of `organisation_id`. No personal facts travel, only the household's size as known."""

    TYPE = "housing.placement_requested.v1"
    AGGREGATE = "placement_id"

    placement_id: str
    person_id: str
    organisation_id: str = Field(description="the referring organisation")
    referral_id: str | None = None
    household_size: int = Field(description="members known, the person included")
    household_known: bool = Field(description="whether intake's composition could be read")
    requested_at: datetime


def override_reason_aad(placement_id: str, override_id: str) -> str:
    """The associated data an override's reason is encrypted with (the person's key)."""
    return f"{placement_id}:override:{override_id}"


class PlacementOverridden(Event):
    """A coordinator of the operator moved a request on the waiting list, to a position or
    above another request; the reason travels encrypted with the person's key."""

    TYPE = "housing.placement_overridden.v1"
    AGGREGATE = "placement_id"

    placement_id: str
    override_id: str
    person_id: str
    organisation_id: str = Field(description="the operating organisation")
    position: int | None = None
    above: str | None = Field(default=None, description="the request it now stands above")
    reason: Ciphertext
    overridden_by: str
    overridden_at: datetime


class ReferralAccepted(Event):
    """Housing took on a referral from intake: the household's request is `placement_id`."""

    TYPE = "housing.referral_accepted.v1"
    AGGREGATE = "referral_id"

    referral_id: str
    person_id: str
    organisation_id: str
    placement_id: str
    accepted_at: datetime


class ReferralDeclined(Event):
    """Housing said no to a referral from intake; the reason travels encrypted with the
    person's key, with casework's associated data (`decline_reason_aad`), so intake reads both
    answers alike."""

    TYPE = "housing.referral_declined.v1"
    AGGREGATE = "referral_id"

    referral_id: str
    person_id: str
    organisation_id: str
    reason: Ciphertext
    declined_at: datetime


class BedOffered(Event):
    """Beds of one room are held for a placement's household from `first_night` for
    `nights` nights, until `expires_at` (the hour the household must come by)."""

    TYPE = "housing.bed_offered.v1"
    AGGREGATE = "offer_id"

    offer_id: str
    placement_id: str
    site_id: str
    room_id: str
    bed_ids: list[str]
    first_night: date
    nights: int
    expires_at: datetime
    offered_at: datetime
    person_id: str | None = Field(
        default=None, description="the placement's person, whom notifications tells by SMS"
    )
    split_id: str | None = Field(
        default=None,
        description="the coordinator's split (housing.household_split.v1) this offer is one "
        "room of: its offers share it and only its first carries person_id (one SMS)",
    )


def split_reason_aad(placement_id: str, split_id: str) -> str:
    """The associated data a split's reason is encrypted with (the person's key)."""
    return f"{placement_id}:split:{split_id}"


class HouseholdSplit(Event):
    """A coordinator of the operator chose to split a placement's household over several
    rooms of one site: one offer per room (`offer_ids`, first the one whose SMS is sent), the
    same deadline; the reason travels encrypted with the person's key."""

    TYPE = "housing.household_split.v1"
    AGGREGATE = "placement_id"

    split_id: str
    placement_id: str
    person_id: str
    organisation_id: str = Field(description="the operating organisation")
    site_id: str
    offer_ids: list[str] = Field(description="the offers of the split, one room each")
    reason: Ciphertext
    split_by: str
    split_at: datetime


class BedHeld(Event):
    """One bed held for tonight by a caseworker bringing someone over; the hold lapses by
    itself at `expires_at`."""

    TYPE = "housing.bed_held.v1"
    AGGREGATE = "offer_id"

    offer_id: str = Field(description="the hold's id")
    placement_id: str = Field(description="the placement, or the hold's id when it has none")
    site_id: str
    room_id: str
    bed_id: str
    night: date
    expires_at: datetime
    held_at: datetime


class OfferExpired(Event):
    """An offer not taken up in time (or a hold that lapsed): its beds are free again, and
    the next household on the list may be suggested for them."""

    TYPE = "housing.offer_expired.v1"
    AGGREGATE = "offer_id"

    offer_id: str
    kind: str = Field(description="offer or hold")
    placement_id: str
    site_id: str
    room_id: str
    bed_ids: list[str]
    first_night: date
    nights: int
    expired_at: datetime


class CheckedIn(Event):
    """The household of an offer arrived: its beds are slept in for the offer's nights."""

    TYPE = "housing.checked_in.v1"
    AGGREGATE = "offer_id"

    stay_id: str
    offer_id: str
    placement_id: str
    site_id: str
    room_id: str
    bed_ids: list[str]
    first_night: date
    last_night: date
    checked_in_at: datetime


class CheckedOut(Event):
    """The household left; `reason` is a code (orientation, social_housing, left, exclusion),
    `flagged` when it left without an orientation (a coordinator's decision)."""

    TYPE = "housing.checked_out.v1"
    AGGREGATE = "offer_id"

    stay_id: str
    offer_id: str
    placement_id: str
    site_id: str
    room_id: str
    bed_ids: list[str]
    reason: str
    flagged: bool
    last_night: date = Field(description="the last night slept (the day before check-out)")
    checked_out_at: datetime


def application_number_aad(application_id: str) -> str:
    """The associated data a numéro unique is encrypted with (the person's key)."""
    return f"{application_id}:number"


def dwelling_aad(proposal_id: str) -> str:
    """The associated data a proposed dwelling's description is encrypted with."""
    return f"{proposal_id}:dwelling"


def proposal_reason_aad(proposal_id: str) -> str:
    """The associated data a proposal's refusal reason is encrypted with."""
    return f"{proposal_id}:reason"


class ApplicationFiled(Event):
    """A social housing application is followed for a person by `organisation_id`; its
    numéro unique travels encrypted with the person's key; `dalo_case_id` is casework's case."""

    TYPE = "housing.application_filed.v1"
    AGGREGATE = "application_id"

    application_id: str
    person_id: str
    organisation_id: str
    number: Ciphertext = Field(description="the numéro unique départemental")
    departement: str = Field(description="the département's INSEE code: 75, 2A, 971")
    filed_on: date
    renewal_due: date = Field(description="the day before the next anniversary of the filing")
    dalo_case_id: str | None = None
    filed_at: datetime


class ApplicationRenewed(Event):
    """The application was renewed on `renewed_on`: the next renewal is due a year later."""

    TYPE = "housing.application_renewed.v1"
    AGGREGATE = "application_id"

    application_id: str
    person_id: str
    organisation_id: str
    renewed_on: date
    renewal_due: date = Field(description="the next renewal's due date")
    renewed_at: datetime


class RenewalDue(Event):
    """The application's renewal is due on `due`: the moment of a reminder has come (a month
    or a week before); notifications turns it into an SMS to the person."""

    TYPE = "housing.renewal_due.v1"
    AGGREGATE = "application_id"

    application_id: str
    person_id: str
    organisation_id: str
    due: date
    kind: str = Field(description="month_before or week_before")
    announced_at: datetime


class ProposalReceived(Event):
    """A dwelling was proposed to the application after a commission; its description
    travels encrypted with the person's key."""

    TYPE = "housing.proposal_received.v1"
    AGGREGATE = "application_id"

    proposal_id: str
    application_id: str
    person_id: str
    organisation_id: str
    dwelling: Ciphertext
    commission_on: date
    received_at: datetime


class ProposalAnswered(Event):
    """The person accepted or refused a proposal; a refusal's reason travels encrypted."""

    TYPE = "housing.proposal_answered.v1"
    AGGREGATE = "application_id"

    proposal_id: str
    application_id: str
    person_id: str
    organisation_id: str
    outcome: str = Field(description="accepted or refused")
    reason: Ciphertext | None = None
    answered_at: datetime


class NextSuggested(Event):
    """The beds an expired offer freed, for the nights left of it, and the first household on
    the waiting list the room takes whole (`placement_id`), or none with `reason`
    (nobody_waiting, nobody_fits, no_night_left). Ids and nights only."""

    TYPE = "housing.next_suggested.v1"
    AGGREGATE = "offer_id"

    suggestion_id: str
    offer_id: str = Field(description="the expired offer whose beds are free again")
    expired_placement_id: str
    placement_id: str | None = Field(default=None, description="the household suggested")
    site_id: str
    room_id: str
    bed_ids: list[str] = Field(description="the beds the suggested household would hold")
    first_night: date
    nights: int
    reason: str | None = Field(default=None, description="why nobody is suggested")
    suggested_at: datetime


CONTRACTS: tuple[type[Event], ...] = (
    SiteDeclared,
    RoomAdded,
    BedAdded,
    BedOutOfService,
    PlacementRequested,
    PlacementOverridden,
    ReferralAccepted,
    ReferralDeclined,
    BedOffered,
    HouseholdSplit,
    BedHeld,
    OfferExpired,
    NextSuggested,
    CheckedIn,
    CheckedOut,
    ApplicationFiled,
    ApplicationRenewed,
    RenewalDue,
    ProposalReceived,
    ProposalAnswered,
)
