"""Needs assessments, and the partners that could meet each need."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator

from shared.bounds import TEXT_PATTERN
from shared.schemas import Command


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


class NeedIn(Command):
    """One need and its urgency."""

    area: NeedArea
    urgency: Urgency = Urgency.ROUTINE


class NeedsAssessmentCreate(Command):
    """What the person needs, as assessed at the desk; notes are encrypted with their key."""

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
