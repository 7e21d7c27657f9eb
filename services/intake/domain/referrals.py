"""Referrals to partners: only with consent (or a coordinator's override), and only along the
moves the statuses allow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.intake.domain import Refused
from shared.events.base import Event
from shared.events.intake import ConsentOverridden, ReferralRequested, ReferralStatusChanged


@dataclass(frozen=True)
class ReferralRequest:
    """A referral as asked, with what the rules need to know."""

    person_id: str
    referral_id: str
    partner_id: str
    service: str
    partner_services: frozenset[str]
    consented: bool
    override_reason: str | None
    by_coordinator: bool


def request_referral(request: ReferralRequest, now: datetime) -> list[Event]:
    """Refer only with the person's consent to share with that partner, or a coordinator's
    recorded override; and only to a service the partner provides."""
    if request.service not in request.partner_services:
        raise Refused("the partner does not provide this service")
    events: list[Event] = []
    if not request.consented:
        if request.override_reason is None or not request.by_coordinator:
            raise Refused("no consent to share with this partner: a coordinator may override")
        events.append(
            ConsentOverridden(
                person_id=request.person_id,
                referral_id=request.referral_id,
                partner_id=request.partner_id,
                overridden_at=now,
            )
        )
    events.append(
        ReferralRequested(
            person_id=request.person_id,
            referral_id=request.referral_id,
            partner_id=request.partner_id,
            service=request.service,
            requested_at=now,
        )
    )
    return events


REFERRAL_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"requested"}), "accepted"),
    "decline": (frozenset({"requested"}), "declined"),
    "complete": (frozenset({"accepted"}), "completed"),
    "revoke": (frozenset({"requested", "accepted"}), "revoked"),
}
"""For each action: the statuses it may start from, and where it leads."""

ANSWERED_IN_CASEWORK = frozenset({"legal_support", "administrative_help"})
"""Services whose referrals the partner accepts or declines from its casework inbox, where
accepting opens the case: here they would be answered without a case."""


@dataclass(frozen=True)
class ReferralMove:
    """An action on a referral, as asked."""

    person_id: str
    referral_id: str
    partner_id: str
    status: str
    action: str


def check_answered_here(referral_id: str, service: str, action: str) -> None:
    """Refused when staff would accept or decline here a referral its partner answers from
    casework (the answer comes back as casework's event, with the case it opened)."""
    if action in ("accept", "decline") and service in ANSWERED_IN_CASEWORK:
        raise Refused(
            f"a referral for {service} is answered from the partner's casework inbox "
            f"(POST /referrals/incoming/{referral_id}/{action} on casework)"
        )


def move_referral(move: ReferralMove, now: datetime) -> tuple[str, list[ReferralStatusChanged]]:
    """The referral's next status and its event, or Refused when the move makes no sense."""
    allowed_from, to = REFERRAL_MOVES[move.action]
    if move.status not in allowed_from:
        raise Refused(f"a {move.status} referral cannot be {to}")
    changed = ReferralStatusChanged(
        person_id=move.person_id,
        referral_id=move.referral_id,
        partner_id=move.partner_id,
        status=to,
        changed_at=now,
    )
    return to, [changed]
