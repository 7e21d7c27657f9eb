"""A person's consents: to what purpose, for which partner."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, model_validator

from services.intake.schemas.partners import PartnerId
from shared.schemas import Command


class ConsentPurpose(StrEnum):
    """What a person may agree to."""

    SHARE_WITH_PARTNER = "share_with_partner"
    SMS_REMINDERS = "sms_reminders"
    HEALTH_INFORMATION = "health_information"
    """Recording pregnancy or health flags in the household (housing priority needs them)."""


class ConsentCreate(Command):
    """Consent to a purpose; sharing names the partner."""

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
