"""Casework's rules: which referrals casework takes on, and what opening their case says."""

from __future__ import annotations

import uuid

from shared.events.base import Event
from shared.events.casework import CaseOpened, ReferralAccepted
from shared.events.intake import ReferralRequested

CASEWORK_SERVICES = frozenset({"legal_support", "administrative_help"})
"""The services whose referrals become case files; others (courses, shelter...) are not ours."""

OPEN = "open"
_CASES = uuid.UUID("6f1d2c8e-3b7a-5e2f-9c41-0d8a7b6e5f43")


def case_id_for(referral_id: str) -> str:
    """The id of the case a referral opens, derived from the referral: rebuilding casework
    from intake's events gives the same ids."""
    return str(uuid.uuid5(_CASES, referral_id))


def takes_on(service: str) -> bool:
    """Tell whether a referral to this service opens a case."""
    return service in CASEWORK_SERVICES


def accept_referral(referral: ReferralRequested, case_id: str) -> list[Event]:
    """The partner's case opens and the referral is accepted; nothing for other services.

    Both times are the referral's own, so a replay of intake's events says the same."""
    if not takes_on(referral.service):
        return []
    return [
        CaseOpened(
            case_id=case_id,
            person_id=referral.person_id,
            organisation_id=referral.partner_id,
            service=referral.service,
            referral_id=referral.referral_id,
            opened_at=referral.requested_at,
        ),
        ReferralAccepted(
            referral_id=referral.referral_id,
            person_id=referral.person_id,
            organisation_id=referral.partner_id,
            case_id=case_id,
            accepted_at=referral.requested_at,
        ),
    ]
