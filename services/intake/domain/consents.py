"""Consents: given once, withdrawn once, never deleted."""

from __future__ import annotations

from datetime import datetime

from services.intake.domain import Refused
from shared.events.intake import ConsentWithdrawn


def withdraw_consent(
    person_id: str, consent_id: str, withdrawn: bool, now: datetime
) -> list[ConsentWithdrawn]:
    """A consent is withdrawn once; it is never deleted (who gave it, and when, stays)."""
    if withdrawn:
        raise Refused("this consent was withdrawn already")
    return [ConsentWithdrawn(person_id=person_id, consent_id=consent_id, withdrawn_at=now)]
