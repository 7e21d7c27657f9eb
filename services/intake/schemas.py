"""Intake's request and response models."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.intake.phones import InvalidPhone, to_e164
from shared.bounds import (
    TEXT_PATTERN,
    Day,
    Instant,
    Limit,
    Name,
    Offset,
    Version,
    Year,
    ZoneName,
)

ChosenName = Name
LanguageTag = Annotated[
    str, StringConstraints(max_length=35, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
]
CountryCode = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
DEFAULT_TIMEZONE = "Europe/Paris"


class AdministrativeSituation(StrEnum):
    """The situation a person declares; never checked against a document."""

    UNKNOWN = "unknown"
    ASYLUM_SEEKER = "asylum_seeker"
    REFUGEE = "refugee"
    SUBSIDIARY_PROTECTION = "subsidiary_protection"
    RESIDENCE_PERMIT = "residence_permit"
    UNDOCUMENTED = "undocumented"
    EU_CITIZEN = "eu_citizen"
    STATELESS = "stateless"
    OTHER = "other"


class PersonCreate(BaseModel):
    """A registration: a chosen name or pseudonym is enough; everything else is optional."""

    model_config = ConfigDict(extra="forbid")

    chosen_name: ChosenName = Field(description="the name the person chooses; no document needed")
    other_names: list[ChosenName] = Field(default_factory=list, max_length=10)
    languages: list[LanguageTag] = Field(default_factory=list, max_length=10)
    preferred_language: LanguageTag | None = Field(
        default=None, description="BCP 47 tag for messages, e.g. 'fr', 'ar', 'prs-AF'"
    )
    phone: str | None = Field(default=None, max_length=40, description="any common format")
    sms_consent: bool = False
    birth_date: Day | None = None
    birth_year: Year | None = None
    nationality: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2")
    administrative_situation: AdministrativeSituation | None = None
    timezone: ZoneName = DEFAULT_TIMEZONE

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return to_e164(value)
        except InvalidPhone as exc:
            raise ValueError(str(exc)) from None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError("unknown time zone")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> PersonCreate:
        this_year = datetime.now(UTC).year
        if self.sms_consent and self.phone is None:
            raise ValueError("sms_consent needs a phone number")
        if self.birth_year is not None and self.birth_year > this_year:
            raise ValueError("birth_year is in the future")
        if self.birth_date is not None:
            if self.birth_date > datetime.now(UTC).date():
                raise ValueError("birth_date is in the future")
            if self.birth_year not in (None, self.birth_date.year):
                raise ValueError("birth_date and birth_year disagree")
        return self

    @property
    def known_birth_year(self) -> int | None:
        """The birth year, from the date when only the date was given."""
        return self.birth_year or (self.birth_date.year if self.birth_date else None)


class PersonUpdate(BaseModel):
    """Changes to a person: only the fields given change; the previous state is kept."""

    model_config = ConfigDict(extra="forbid")

    chosen_name: ChosenName | None = None
    other_names: list[ChosenName] | None = Field(default=None, max_length=10)
    languages: list[LanguageTag] | None = Field(default=None, max_length=10)
    preferred_language: LanguageTag | None = None
    phone: str | None = Field(default=None, max_length=40)
    sms_consent: bool | None = None
    birth_date: Day | None = None
    birth_year: Year | None = None
    nationality: CountryCode | None = None
    administrative_situation: AdministrativeSituation | None = None
    timezone: ZoneName | None = None

    @model_validator(mode="after")
    def _something(self) -> PersonUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        return self


class PersonVersion(BaseModel):
    """The person as they were before a change, and who changed it when."""

    version: int
    chosen_name: str
    details: dict[str, object]
    replaced_at: datetime
    replaced_by: str


class DuplicatePublic(BaseModel):
    """A possible duplicate: never merged without an explicit decision."""

    person_id: str
    score: float
    reasons: list[str]


class PersonPublic(BaseModel):
    """A person as their organisation's caseworkers see them."""

    id: str
    organisation_id: str
    chosen_name: str
    other_names: list[str] = []
    languages: list[str] = []
    preferred_language: str | None = None
    phone: str | None = None
    sms_consent: bool = False
    birth_date: date | None = None
    birth_year: int | None = None
    nationality: str | None = None
    administrative_situation: AdministrativeSituation | None = None
    timezone: str = DEFAULT_TIMEZONE
    registered_at: datetime
    merged_into: str | None = Field(
        default=None, description="set when this record was merged into another person's"
    )


class PersonRegistered(PersonPublic):
    """A new registration, with the possible duplicates the caller's organisation can see."""

    duplicates: list[DuplicatePublic] = []


class LegalHoldCreate(BaseModel):
    """Why erasure must wait (e.g. an appeal pending before the CNDA)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=3, max_length=500, pattern=TEXT_PATTERN
        ),
    ]


class LegalHoldPublic(BaseModel):
    """A legal hold on a person's erasure."""

    id: str
    person_id: str
    reason: str
    placed_by: str
    placed_at: datetime
    lifted_by: str | None = None
    lifted_at: datetime | None = None


class ErasurePublic(BaseModel):
    """The outcome of an erasure: the key is gone, so is intake's copy of the data."""

    person_id: str
    erased_at: datetime


class ExportedEvent(BaseModel):
    """One event about the person: what happened, when, and who did it."""

    type: str
    time: datetime
    actor: str | None = None
    actororg: str | None = None


class ServiceKind(StrEnum):
    """What a partner provides."""

    LEGAL_SUPPORT = "legal_support"
    ADMINISTRATIVE_HELP = "administrative_help"
    FRENCH_COURSE = "french_course"
    FORUM = "forum"
    EMERGENCY_SHELTER = "emergency_shelter"
    SOCIAL_HOUSING_SUPPORT = "social_housing_support"
    HEALTH_ACCESS = "health_access"


class ConsentPurpose(StrEnum):
    """What a person may agree to."""

    SHARE_WITH_PARTNER = "share_with_partner"
    SMS_REMINDERS = "sms_reminders"
    HEALTH_INFORMATION = "health_information"
    """Recording pregnancy or health flags in the household (housing priority needs them)."""


PartnerId = Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]


class PartnerCreate(BaseModel):
    """A partner organisation and its services."""

    model_config = ConfigDict(extra="forbid")

    id: PartnerId
    name: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=2, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
        ),
    ]
    services: list[ServiceKind] = Field(min_length=1, max_length=len(ServiceKind))


class PartnerPublic(BaseModel):
    """A partner organisation."""

    id: str
    name: str
    services: list[ServiceKind]
    registered_at: datetime


class ConsentCreate(BaseModel):
    """Consent to a purpose; sharing names the partner."""

    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose
    partner_id: PartnerId | None = None

    @model_validator(mode="after")
    def _partner_when_sharing(self) -> ConsentCreate:
        if (self.purpose is ConsentPurpose.SHARE_WITH_PARTNER) != (self.partner_id is not None):
            raise ValueError("partner_id is required for share_with_partner, and only for it")
        return self


class ConsentPublic(BaseModel):
    """A consent, with who recorded it and when."""

    id: str
    person_id: str
    purpose: ConsentPurpose
    partner_id: str | None
    given_by: str
    given_at: datetime
    withdrawn_by: str | None = None
    withdrawn_at: datetime | None = None


class ReferralCreate(BaseModel):
    """Send the person to a partner's service; a coordinator may override a missing consent."""

    model_config = ConfigDict(extra="forbid")

    partner_id: PartnerId
    service: ServiceKind
    override_reason: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=10, max_length=500, pattern=TEXT_PATTERN
            ),
        ]
        | None
    ) = None


class ReferralPublic(BaseModel):
    """A referral and where it stands."""

    id: str
    person_id: str
    partner_id: str
    service: ServiceKind
    status: str
    requested_by: str
    requested_at: datetime
    override_reason: str | None = None
    status_reason: str | None = None
    updated_at: datetime | None = None
    partner_case_id: str | None = Field(
        default=None, description="the case the partner opened for it, once accepted"
    )


class ReferralAction(StrEnum):
    """What can happen to a referral after it is requested."""

    ACCEPT = "accept"
    DECLINE = "decline"
    COMPLETE = "complete"
    REVOKE = "revoke"


class ReferralMoveBody(BaseModel):
    """A reason, required to decline."""

    model_config = ConfigDict(extra="forbid")

    reason: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=3, max_length=500, pattern=TEXT_PATTERN
            ),
        ]
        | None
    ) = None


class PersonFilters(BaseModel):
    """Filters and paging of the persons list, and the search of a name or a phone."""

    model_config = ConfigDict(extra="forbid")

    q: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=1, max_length=100, pattern=TEXT_PATTERN
            ),
        ]
        | None
    ) = Field(
        default=None,
        description="a name, part of a name (3 letters or more), or a phone in any format; "
        "results best match first",
    )
    limit: Limit = 50
    offset: Offset = 0
    preferred_language: LanguageTag | None = None
    registered_from: Instant | None = None
    registered_to: Instant | None = None
    erased: bool | None = None
    include_merged: bool = Field(
        default=False, description="also list records merged into another person's"
    )


class PersonSummary(BaseModel):
    """A line of the persons list."""

    id: str
    organisation_id: str
    chosen_name: str
    preferred_language: str | None
    registered_at: datetime
    erased: bool
    merged_into: str | None = None
    match: str | None = Field(
        default=None, description="in a search: exact, phonetic, prefix or phone"
    )


class PersonPage(BaseModel):
    """One page of persons, newest first, with the total that matches the filters."""

    items: list[PersonSummary]
    total: int
    limit: int
    offset: int


class SubjectAccessExport(BaseModel):
    """Everything intake holds about one person (GDPR article 15)."""

    person: PersonPublic
    consents: list[ConsentPublic]
    referrals: list[ReferralPublic]
    legal_holds: list[LegalHoldPublic]
    needs_assessments: list[NeedsAssessmentPublic] = Field(default_factory=list)
    household: HouseholdPublic | None = None
    merges: list[MergePublic] = Field(default_factory=list)
    events: list[ExportedEvent]


class PersonKeyPublic(BaseModel):
    """A person's data key, for an authorised service only; never to be stored in clear."""

    person_id: str
    algorithm: str = "AES-256-GCM"
    key: str = Field(description="the 32-byte data key, base64")


class NeedArea(StrEnum):
    """What a person needs help with; the first ones are services partners provide."""

    LEGAL_SUPPORT = "legal_support"
    ADMINISTRATIVE_HELP = "administrative_help"
    FRENCH_COURSE = "french_course"
    FORUM = "forum"
    EMERGENCY_SHELTER = "emergency_shelter"
    SOCIAL_HOUSING_SUPPORT = "social_housing_support"
    HEALTH_ACCESS = "health_access"
    FOOD_AID = "food_aid"
    SCHOOLING = "schooling"
    EMPLOYMENT = "employment"
    OTHER = "other"


class Urgency(StrEnum):
    """How soon a need must be met."""

    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


FreeText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=TEXT_PATTERN),
]


class NeedIn(BaseModel):
    """One need and its urgency."""

    model_config = ConfigDict(extra="forbid")

    area: NeedArea
    urgency: Urgency = Urgency.ROUTINE


class NeedsAssessmentCreate(BaseModel):
    """What the person needs, as assessed at the desk; notes are encrypted with their key."""

    model_config = ConfigDict(extra="forbid")

    needs: list[NeedIn] = Field(min_length=1, max_length=len(NeedArea))
    nights_without_shelter: int | None = Field(
        default=None, ge=0, le=36500, description="nights slept without shelter, as told"
    )
    notes: FreeText | None = None

    @field_validator("needs")
    @classmethod
    def _each_area_once(cls, value: list[NeedIn]) -> list[NeedIn]:
        if len({need.area for need in value}) != len(value):
            raise ValueError("each area appears once")
        return value


class PartnerSuggestion(BaseModel):
    """A partner providing the service a need calls for."""

    area: NeedArea
    partner_id: str
    partner_name: str


class NeedsAssessmentPublic(BaseModel):
    """An assessment, with the partners that could meet its needs."""

    id: str
    person_id: str
    needs: list[NeedIn]
    nights_without_shelter: int | None
    notes: str | None
    assessed_by: str
    assessed_at: datetime
    suggested_partners: list[PartnerSuggestion] = Field(default_factory=list)


class Relationship(StrEnum):
    """A member's relation to the household's reference person."""

    PARTNER = "partner"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"


class HealthFlags(BaseModel):
    """What housing priority needs to know; recorded only with consent to health information."""

    model_config = ConfigDict(extra="forbid")

    pregnant: bool = False
    health_condition: bool = False
    reduced_mobility: bool = False

    @property
    def any(self) -> bool:
        """Whether any flag is raised."""
        return self.pregnant or self.health_condition or self.reduced_mobility


class HouseholdMemberIn(BaseModel):
    """A member: a registered person, or a dependant described by relation and age only."""

    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID | None = Field(default=None, description="when registered themselves")
    relationship: Relationship
    dependant: bool = False
    birth_date: Day | None = None
    birth_year: Year | None = None
    flags: HealthFlags | None = None

    @model_validator(mode="after")
    def _coherent(self) -> HouseholdMemberIn:
        today = datetime.now(UTC).date()
        if self.birth_year is not None and self.birth_year > today.year:
            raise ValueError("birth_year is in the future")
        if self.birth_date is not None:
            if self.birth_date > today:
                raise ValueError("birth_date is in the future")
            if self.birth_year not in (None, self.birth_date.year):
                raise ValueError("birth_date and birth_year disagree")
        return self


class HouseholdCreate(BaseModel):
    """A household around its reference person."""

    model_config = ConfigDict(extra="forbid")

    reference_person_id: uuid.UUID
    flags: HealthFlags | None = Field(default=None, description="the reference person's own")
    members: list[HouseholdMemberIn] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _distinct_persons(self) -> HouseholdCreate:
        ids = [m.person_id for m in self.members if m.person_id is not None]
        if self.reference_person_id in ids:
            raise ValueError("the reference person is not listed among the members")
        if len(set(ids)) != len(ids):
            raise ValueError("a person appears once in a household")
        return self


class HouseholdUpdate(BaseModel):
    """The whole new composition, and the version it replaces (a stale version is a 409)."""

    model_config = ConfigDict(extra="forbid")

    version: Version
    flags: HealthFlags | None = None
    members: list[HouseholdMemberIn] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _distinct_persons(self) -> HouseholdUpdate:
        ids = [m.person_id for m in self.members if m.person_id is not None]
        if len(set(ids)) != len(ids):
            raise ValueError("a person appears once in a household")
        return self


class HouseholdMemberPublic(BaseModel):
    """A member as staff see them, with the age worked out today."""

    person_id: str | None
    relationship: Relationship
    dependant: bool
    birth_date: date | None
    birth_year: int | None
    age: int | None = Field(
        description="in full years; from the birth year alone it may be one more"
    )
    flags: HealthFlags | None


class HouseholdPublic(BaseModel):
    """A household: its reference person, members and dependants."""

    id: str
    organisation_id: str
    reference_person_id: str
    flags: HealthFlags | None
    members: list[HouseholdMemberPublic]
    children_ages: list[int | None] = Field(description="ages of the members who are children")
    size: int
    version: int
    updated_at: datetime
    updated_by: str


Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=10, max_length=500, pattern=TEXT_PATTERN),
]


class MergeCreate(BaseModel):
    """Merge a duplicate record into this one; the reason is kept with the decision."""

    model_config = ConfigDict(extra="forbid")

    duplicate_id: uuid.UUID
    reason: Reason


class SplitCreate(BaseModel):
    """Undo a merge, saying why."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason


class MergePublic(BaseModel):
    """A merge decision, and its split when undone."""

    id: str
    survivor_id: str
    merged_id: str
    reason: str
    merged_by: str
    merged_at: datetime
    split_reason: str | None = None
    split_by: str | None = None
    split_at: datetime | None = None
