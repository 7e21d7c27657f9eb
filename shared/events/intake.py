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


CONTRACTS: tuple[type[Event], ...] = (
    PersonRegistered,
    LegalHoldPlaced,
    LegalHoldLifted,
    PersonErased,
)
