"""Casework's rules for referrals from intake: which it takes on, how a partner answers them,
and what accepting or declining one says."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.casework.domain import Refused
from shared.events.base import Event
from shared.events.casework import CaseOpened, ReferralAccepted, ReferralDeclined

CASEWORK_SERVICES = frozenset({"legal_support", "administrative_help"})
"""The services whose referrals become case files; others (courses, shelter...) are not ours."""

OPEN = "open"
PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"
REVOKED, WITHDRAWN = "revoked", "withdrawn"
STATUSES = (PENDING, ACCEPTED, DECLINED, REVOKED, WITHDRAWN)
"""Pending until the partner answers; revoked by the referring organisation; withdrawn when
the person took back their consent to share with the partner, or was erased."""

_CASES = uuid.UUID("6f1d2c8e-3b7a-5e2f-9c41-0d8a7b6e5f43")


@dataclass(frozen=True)
class Incoming:
    """A referral in a partner's inbox, as the rules need to know it."""

    referral_id: str
    person_id: str
    organisation_id: str
    service: str
    status: str


def case_id_for(referral_id: str) -> str:
    """The id of the case a referral opens, derived from the referral: however often it is
    accepted, and on a rebuild from intake's events, it is the same case."""
    return str(uuid.uuid5(_CASES, referral_id))


def takes_on(service: str) -> bool:
    """Tell whether a referral to this service comes to a partner's inbox."""
    return service in CASEWORK_SERVICES


def accepts_automatically(service: str, auto_accept: list[str]) -> bool:
    """Tell whether the partner opted in to take referrals to this service without a look."""
    return service in auto_accept


def answerable(incoming: Incoming) -> None:
    if incoming.status != PENDING:
        raise Refused(f"this referral was {incoming.status} already")


def accept(incoming: Incoming, at: datetime) -> list[Event]:
    """The partner takes the referral on: its case opens, once (its id is the referral's)."""
    answerable(incoming)
    case_id = case_id_for(incoming.referral_id)
    return [
        CaseOpened(
            case_id=case_id,
            person_id=incoming.person_id,
            organisation_id=incoming.organisation_id,
            service=incoming.service,
            referral_id=incoming.referral_id,
            opened_at=at,
        ),
        ReferralAccepted(
            referral_id=incoming.referral_id,
            person_id=incoming.person_id,
            organisation_id=incoming.organisation_id,
            case_id=case_id,
            accepted_at=at,
        ),
    ]


def decline(incoming: Incoming, sealed_reason: str, at: datetime) -> list[Event]:
    """The partner says no, with its reason (sealed with the person's key by the caller)."""
    answerable(incoming)
    return [
        ReferralDeclined(
            referral_id=incoming.referral_id,
            person_id=incoming.person_id,
            organisation_id=incoming.organisation_id,
            reason=sealed_reason,
            declined_at=at,
        )
    ]


def close(status: str, intake_status: str) -> str | None:
    """What intake's move of a referral does to a pending one here: a revoked or declined
    referral leaves the inbox; anything else (or an answered one) stays as it is."""
    if status != PENDING:
        return None
    return {"revoked": REVOKED, "declined": DECLINED}.get(intake_status)
