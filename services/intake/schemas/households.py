"""Households: members and dependants around a reference person, with health flags."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from services.intake.domain.households import Composition, Relationship
from shared.bounds import Day, Version, Year
from shared.schemas import Command


class HealthFlags(Command):
    """What housing priority needs to know; recorded only with consent to health information."""

    pregnant: bool = False
    health_condition: bool = False
    reduced_mobility: bool = False

    @property
    def any(self) -> bool:
        """Whether any flag is raised."""
        return self.pregnant or self.health_condition or self.reduced_mobility


class HouseholdMemberIn(Command):
    """A member: a registered person, or a dependant described by relation and age only."""

    person_id: uuid.UUID | None = Field(default=None, description="when registered themselves")
    relationship: Relationship
    dependant: bool = False
    birth_date: Day | None = None
    birth_year: Year | None = None
    flags: HealthFlags | None = None

    @model_validator(mode="after")
    def _coherent(self) -> HouseholdMemberIn:
        # a birth after today is refused by the handler, which knows the service's time
        if self.birth_date is not None and self.birth_year not in (None, self.birth_date.year):
            raise ValueError("birth_date and birth_year disagree")
        return self

    def without_flags(self) -> HouseholdMemberIn:
        """The same member, their health flags cleared."""
        return self.model_copy(update={"flags": None})


class HouseholdCreate(Command):
    """A household around its reference person."""

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


class HouseholdUpdate(Command):
    """The whole new composition, and the version it replaces (a stale version is a 409)."""

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


HouseholdComposition = Composition[HealthFlags, HouseholdMemberIn]
"""A composition as intake reads and writes it."""

__all__ = [
    "HealthFlags",
    "HouseholdComposition",
    "HouseholdCreate",
    "HouseholdMemberIn",
    "HouseholdMemberPublic",
    "HouseholdPublic",
    "HouseholdUpdate",
    "Relationship",
]
