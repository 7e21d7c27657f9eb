"""Events published by the intake service on `intake.events`."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.events.base import Ciphertext, Event

TOPIC = "intake.events"


def phone_aad(person_id: str) -> str:
    """The associated data a phone number is encrypted with (the person's key): every reader
    of `phone` in intake's events needs it."""
    return f"{person_id}:phone"


def language_aad(person_id: str) -> str:
    """The associated data a preferred language is encrypted with (the person's key): a
    language can hint at a nationality, so it travels like the phone."""
    return f"{person_id}:preferred_language"


LEGACY_LANGUAGE = (
    "the language in clear, as events written before it was encrypted carry it; "
    "new events carry `preferred_language_enc` only"
)


class PersonRegistered(Event):
    """A person was welcomed; only a chosen name (encrypted) and a language are required."""

    TYPE = "intake.person_registered.v1"
    AGGREGATE = "person_id"

    person_id: str
    organisation_id: str
    chosen_name: Ciphertext
    preferred_language: str | None = Field(
        default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description=LEGACY_LANGUAGE
    )
    preferred_language_enc: Ciphertext | None = None
    registered_at: datetime
    phone: Ciphertext | None = None
    sms_consent: bool = False
    timezone: str = "Europe/Paris"


class LegalHoldPlaced(Event):
    """Erasure of a person is blocked (e.g. an appeal is pending); the reason stays in intake."""

    TYPE = "intake.legal_hold_placed.v1"
    AGGREGATE = "person_id"

    person_id: str
    hold_id: str
    placed_at: datetime


class LegalHoldLifted(Event):
    """A legal hold ended; erasure is possible again if no other hold remains."""

    TYPE = "intake.legal_hold_lifted.v1"
    AGGREGATE = "person_id"

    person_id: str
    hold_id: str
    lifted_at: datetime


class PersonErased(Event):
    """The person's key is destroyed: every service deletes its own copies of their data."""

    TYPE = "intake.person_erased.v1"
    AGGREGATE = "person_id"

    person_id: str
    erased_at: datetime


class PartnerRegistered(Event):
    """An organisation (the city service or an association) and the services it provides."""

    TYPE = "intake.partner_registered.v1"
    AGGREGATE = "partner_id"

    partner_id: str
    organisation_name: str  # an organisation's, never a person's
    services: list[str]


class ConsentGiven(Event):
    """The person agreed to a purpose (sharing with a partner, SMS reminders)."""

    TYPE = "intake.consent_given.v1"
    AGGREGATE = "person_id"

    person_id: str
    consent_id: str
    purpose: str
    partner_id: str | None = None
    given_at: datetime


class ConsentWithdrawn(Event):
    """The person took a consent back; what it allowed stops from now on."""

    TYPE = "intake.consent_withdrawn.v1"
    AGGREGATE = "person_id"

    person_id: str
    consent_id: str
    withdrawn_at: datetime


class ConsentOverridden(Event):
    """A coordinator went ahead without the matching consent; the reason stays in intake."""

    TYPE = "intake.consent_overridden.v1"
    AGGREGATE = "person_id"

    person_id: str
    referral_id: str
    partner_id: str
    overridden_at: datetime


class ReferralRequested(Event):
    """A person is sent to a partner's service."""

    TYPE = "intake.referral_requested.v1"
    AGGREGATE = "person_id"

    person_id: str
    referral_id: str
    partner_id: str
    service: str
    requested_at: datetime


class ReferralStatusChanged(Event):
    """A referral moved on: accepted, declined, completed or revoked (a decline's reason stays
    in intake)."""

    TYPE = "intake.referral_status_changed.v1"
    AGGREGATE = "person_id"

    person_id: str
    referral_id: str
    partner_id: str
    status: str
    changed_at: datetime


class PersonUpdated(Event):
    """A person's details changed; `changed` names the fields, personal ones travel encrypted
    (phone and language only when they changed)."""

    TYPE = "intake.person_updated.v1"
    AGGREGATE = "person_id"

    person_id: str
    changed: list[str]
    chosen_name: Ciphertext | None = None
    phone: Ciphertext | None = None
    preferred_language: str | None = Field(default=None, description=LEGACY_LANGUAGE)
    preferred_language_enc: Ciphertext | None = Field(
        default=None, description="the new language when `changed` names it (None: cleared)"
    )
    sms_consent: bool
    timezone: str
    updated_at: datetime


class PersonKeyReleased(Event):
    """A service was given the person's data key (the key itself never travels in an event)."""

    TYPE = "intake.person_key_released.v1"
    AGGREGATE = "person_id"

    person_id: str
    service: str
    released_at: datetime


class NeedsAssessed(Event):
    """A person's needs were assessed: areas and urgency in clear (for statistics and
    planning), the staff's notes encrypted."""

    TYPE = "intake.needs_assessed.v1"
    AGGREGATE = "person_id"

    person_id: str
    assessment_id: str
    needs: dict[str, str] = Field(description="need area -> urgency (routine, soon, urgent)")
    nights_without_shelter: int | None = None
    notes: Ciphertext | None = None
    assessed_at: datetime


class HouseholdComposed(Event):
    """A household was formed or its composition changed (`version` counts the changes).

    The composition (member ids, relations, birth dates, health flags) is encrypted with the
    reference person's key: housing reads it through the key store."""

    TYPE = "intake.household_composed.v1"
    AGGREGATE = "person_id"

    person_id: str = Field(description="the household's reference person")
    household_id: str
    organisation_id: str
    version: int
    composition: Ciphertext
    composed_at: datetime


class HouseholdDissolved(Event):
    """The household no longer exists (its reference person was erased)."""

    TYPE = "intake.household_dissolved.v1"
    AGGREGATE = "person_id"

    person_id: str = Field(description="the household's reference person")
    household_id: str
    dissolved_at: datetime


class PersonsMerged(Event):
    """Two records were found to be one person: `merged_id` now stands for `person_id` (the
    survivor). The reason stays in intake."""

    TYPE = "intake.persons_merged.v1"
    AGGREGATE = "person_id"

    person_id: str = Field(description="the surviving record")
    merged_id: str
    merge_id: str
    merged_at: datetime


class PersonsSplit(Event):
    """A merge was undone: `restored_id` is a person of its own again."""

    TYPE = "intake.persons_split.v1"
    AGGREGATE = "person_id"

    person_id: str = Field(description="the record that survived the merge")
    restored_id: str
    merge_id: str
    split_at: datetime


CONTRACTS: tuple[type[Event], ...] = (
    PersonsMerged,
    PersonsSplit,
    NeedsAssessed,
    HouseholdComposed,
    HouseholdDissolved,
    PersonKeyReleased,
    PersonUpdated,
    ReferralStatusChanged,
    PartnerRegistered,
    ConsentGiven,
    ConsentWithdrawn,
    ConsentOverridden,
    ReferralRequested,
    PersonRegistered,
    LegalHoldPlaced,
    LegalHoldLifted,
    PersonErased,
)
