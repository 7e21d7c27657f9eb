"""Events published by the casework service on `casework.events`."""

from __future__ import annotations

from datetime import datetime

from shared.events.base import Event

TOPIC = "casework.events"


class CaseOpened(Event):
    """A case file was opened for a person in an organisation (from a referral, or directly)."""

    TYPE = "casework.case_opened.v1"
    AGGREGATE = "case_id"

    case_id: str
    person_id: str
    organisation_id: str
    service: str
    referral_id: str | None = None
    opened_at: datetime


class ReferralAccepted(Event):
    """Casework took on a referral from intake: the partner's case is `case_id`."""

    TYPE = "casework.referral_accepted.v1"
    AGGREGATE = "referral_id"

    referral_id: str
    person_id: str
    organisation_id: str
    case_id: str
    accepted_at: datetime


CONTRACTS: tuple[type[Event], ...] = (CaseOpened, ReferralAccepted)
