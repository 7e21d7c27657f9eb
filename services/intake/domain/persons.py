"""A person's registration, legal holds and erasure: a chosen name is enough to register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.intake.domain import Refused
from shared.events.intake import LegalHoldLifted, LegalHoldPlaced, PersonErased, PersonRegistered

ERASED = "[erased]"
"""What a person's text reads as once their key is gone, or free text about them erased."""


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
    preferred_language_enc: str | None = None


def register(registration: Registration) -> list[PersonRegistered]:
    """Welcoming a person records one event; no document is ever required."""
    return [
        PersonRegistered(
            person_id=registration.person_id,
            organisation_id=registration.organisation_id,
            chosen_name=registration.chosen_name_enc,
            # the language travels encrypted only: it can hint at a nationality
            preferred_language_enc=registration.preferred_language_enc,
            registered_at=registration.registered_at,
            phone=registration.phone_enc,
            sms_consent=registration.sms_consent,
            timezone=registration.timezone,
        )
    ]


def unborn(birth_date: date | None, birth_year: int | None, today: date) -> str | None:
    """Why a declared birth cannot be (it comes after `today`), or None when it can."""
    if birth_year is not None and birth_year > today.year:
        return "birth_year is in the future"
    if birth_date is not None and birth_date > today:
        return "birth_date is in the future"
    return None


def place_hold(person_id: str, hold_id: str, erased: bool, now: datetime) -> list[LegalHoldPlaced]:
    """A hold can be placed on anyone not erased yet."""
    if erased:
        raise Refused("the person is erased: there is nothing left to hold")
    return [LegalHoldPlaced(person_id=person_id, hold_id=hold_id, placed_at=now)]


def lift_hold(person_id: str, hold_id: str, lifted: bool, now: datetime) -> list[LegalHoldLifted]:
    """A hold is lifted once."""
    if lifted:
        raise Refused("this legal hold was lifted already")
    return [LegalHoldLifted(person_id=person_id, hold_id=hold_id, lifted_at=now)]


def erase(person_id: str, erased: bool, active_holds: int, now: datetime) -> list[PersonErased]:
    """Erasure destroys the person's key, unless a legal hold stands."""
    if erased:
        raise Refused("the person is erased already")
    if active_holds:
        raise Refused("a legal hold blocks erasure until it is lifted")
    return [PersonErased(person_id=person_id, erased_at=now)]
