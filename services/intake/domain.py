"""Intake's pure rules: a registration needs only a chosen name and a language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.errors import Refused as SharedRefused
from shared.events.base import Event
from shared.events.intake import (
    ConsentOverridden,
    ConsentWithdrawn,
    LegalHoldLifted,
    LegalHoldPlaced,
    PersonErased,
    PersonRegistered,
    PersonsMerged,
    PersonsSplit,
    ReferralRequested,
    ReferralStatusChanged,
)


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


class Refused(SharedRefused):
    """A state change the rules forbid now (answered as 409 with this reason)."""


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


def withdraw_consent(
    person_id: str, consent_id: str, withdrawn: bool, now: datetime
) -> list[ConsentWithdrawn]:
    """A consent is withdrawn once; it is never deleted (who gave it, and when, stays)."""
    if withdrawn:
        raise Refused("this consent was withdrawn already")
    return [ConsentWithdrawn(person_id=person_id, consent_id=consent_id, withdrawn_at=now)]


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


@dataclass(frozen=True)
class MergeSide:
    """One of two records to merge, with what the rules need to know of it."""

    person_id: str
    erased: bool
    merged_into: str | None
    absorbed: int
    """How many records are merged into this one now."""


def merge(survivor: MergeSide, duplicate: MergeSide, merge_id: str, now: datetime) -> list[Event]:
    """Merge `duplicate` into `survivor`: only live records of their own, one level deep (a
    record others were merged into is merged into by others, never merged away)."""
    if survivor.person_id == duplicate.person_id:
        raise Refused("a record cannot be merged with itself")
    for side in (survivor, duplicate):
        if side.erased:
            raise Refused(f"person {side.person_id} is erased")
        if side.merged_into is not None:
            raise Refused(f"person {side.person_id} was merged into {side.merged_into} already")
    if duplicate.absorbed:
        raise Refused(
            f"records are merged into person {duplicate.person_id}: merge the other way, "
            "or split those merges first"
        )
    return [
        PersonsMerged(
            person_id=survivor.person_id,
            merged_id=duplicate.person_id,
            merge_id=merge_id,
            merged_at=now,
        )
    ]


def split(
    merge_id: str,
    survivor_id: str,
    merged_id: str,
    already_split: bool,
    erased: bool,
    now: datetime,
) -> list[Event]:
    """Undo a merge: both records stand alone again, as they were."""
    if already_split:
        raise Refused("this merge was split already")
    if erased:
        raise Refused("the person is erased: there is nothing left to split")
    return [
        PersonsSplit(person_id=survivor_id, restored_id=merged_id, merge_id=merge_id, split_at=now)
    ]
