"""Intake's pure rules: a registration needs only a chosen name and a language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.events.intake import PersonRegistered


@dataclass(frozen=True)
class Registration:
    """A registration as decided; the name is already encrypted with the person's key."""

    person_id: str
    organisation_id: str
    chosen_name_enc: str
    preferred_language: str | None
    registered_at: datetime
    registered_by: str
    phone_enc: str | None = None
    sms_consent: bool = False
    timezone: str = "Europe/Paris"


def register(registration: Registration) -> list[PersonRegistered]:
    """Welcoming a person records one event; no document is ever required."""
    return [
        PersonRegistered(
            person_id=registration.person_id,
            organisation_id=registration.organisation_id,
            chosen_name=registration.chosen_name_enc,
            preferred_language=registration.preferred_language,
            registered_at=registration.registered_at,
            phone=registration.phone_enc,
            sms_consent=registration.sms_consent,
            timezone=registration.timezone,
        )
    ]
