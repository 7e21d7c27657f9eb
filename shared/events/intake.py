"""Events published by the intake service on `intake.events`."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.events.base import Ciphertext, Event

TOPIC = "intake.events"


class PersonRegistered(Event):
    """A person was welcomed; only a chosen name (encrypted) and a language are required."""

    TYPE = "intake.person_registered.v1"
    AGGREGATE = "person_id"

    person_id: str
    organisation_id: str
    chosen_name: Ciphertext
    preferred_language: str | None = Field(
        default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
    )
    registered_at: datetime
    phone: Ciphertext | None = None
    sms_consent: bool = False
    timezone: str = "Europe/Paris"


CONTRACTS: tuple[type[Event], ...] = (PersonRegistered,)
