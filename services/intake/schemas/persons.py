"""A person's registration, changes, history and the persons list."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.intake.domain.phones import InvalidPhone, to_e164
from shared.bounds import TEXT_PATTERN, Day, Instant, Limit, Name, Offset, Year, ZoneName
from shared.schemas import Command

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


class PersonCreate(Command):
    """A registration: a chosen name or pseudonym is enough; everything else is optional."""

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
        # a birth after today is refused by the handler, which knows the service's time
        if self.sms_consent and self.phone is None:
            raise ValueError("sms_consent needs a phone number")
        if self.birth_date is not None and self.birth_year not in (None, self.birth_date.year):
            raise ValueError("birth_date and birth_year disagree")
        return self

    @property
    def known_birth_year(self) -> int | None:
        """The birth year, from the date when only the date was given."""
        return self.birth_year or (self.birth_date.year if self.birth_date else None)


class PersonUpdate(Command):
    """Changes to a person: only the fields given change; the previous state is kept."""

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


class PersonVersionPublic(BaseModel):
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


class PersonRegisteredPublic(PersonPublic):
    """A new registration, with the possible duplicates the caller's organisation can see."""

    duplicates: list[DuplicatePublic] = []


class PersonFilters(Command):
    """Filters and paging of the persons list, and the search of a name or a phone."""

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
    birth_year: int | None = Field(default=None, description="to tell two persons apart")
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
