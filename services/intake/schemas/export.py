"""The subject access export (GDPR article 15)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from services.intake.schemas.consents import ConsentPublic
from services.intake.schemas.erasure import LegalHoldPublic
from services.intake.schemas.households import HouseholdPublic
from services.intake.schemas.merges import MergePublic
from services.intake.schemas.needs import NeedsAssessmentPublic
from services.intake.schemas.persons import PersonPublic
from services.intake.schemas.referrals import ReferralPublic


class ExportedEvent(BaseModel):
    """One event about the person: what happened, when, and who did it."""

    type: str
    time: datetime
    actor: str | None = None
    actororg: str | None = None


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
