"""The partners' answers to intake's referrals, as casework sends them: accepted (with the
case it opened) or declined (with the partner's reason, read with the person's key).
Handlers stage state and events in the consumer's transaction and never commit."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain import referrals as rules
from services.intake.domain.persons import ERASED
from services.intake.models import Referral
from services.intake.queries.keys import KeyErased, KeyStore
from shared.consumer import MessageContext
from shared.crypto import CryptoError, decrypt_field
from shared.events import housing
from shared.events.casework import ReferralAccepted, ReferralDeclined, decline_reason_aad
from shared.poison import PoisonEvent

log = structlog.get_logger(__name__)


async def on_referral_accepted(
    ctx: MessageContext, event: ReferralAccepted | housing.ReferralAccepted
) -> None:
    """A partner's service took the referral on: it moves to accepted and notes the case (for
    housing, the placement request).

    An answer to a referral that was meanwhile accepted by hand changes nothing; one to a
    referral declined or revoked since is left alone (the partner learns of it from intake's
    own event). An answer about an unknown referral, or from another organisation, is parked."""
    referral = await _answered(
        ctx.session, event.referral_id, event.person_id, event.organisation_id
    )
    if referral.status in ("requested", "accepted"):
        referral.partner_case_id = (
            event.case_id if isinstance(event, ReferralAccepted) else event.placement_id
        )
    if referral.status != "requested":
        log.info("referral.answer_after_move", referral_id=referral.id, status=referral.status)
        return
    _move(ctx, referral, "accept", None, event.accepted_at)


async def on_referral_declined(
    ctx: MessageContext, event: ReferralDeclined | housing.ReferralDeclined, keys: KeyStore
) -> None:
    """Move the referral to declined, with the partner's reason in it for the
    referring organisation to read; the same rules as an acceptance for late or odd answers."""
    referral = await _answered(
        ctx.session, event.referral_id, event.person_id, event.organisation_id
    )
    if referral.status != "requested":
        log.info("referral.answer_after_move", referral_id=referral.id, status=referral.status)
        return
    reason = await _reason(ctx.session, keys, event)
    _move(ctx, referral, "decline", reason, event.declined_at)


async def _answered(
    session: AsyncSession, referral_id: str, person_id: str, organisation_id: str
) -> Referral:
    referral = await session.get(Referral, referral_id)
    if referral is None or referral.person_id != person_id:
        raise PoisonEvent("unknown_referral", "no such referral of this person in intake")
    if referral.partner_id != organisation_id:
        raise PoisonEvent("wrong_partner", "the referral went to another organisation")
    return referral


async def _reason(
    session: AsyncSession, keys: KeyStore, event: ReferralDeclined | housing.ReferralDeclined
) -> str:
    try:
        data_key = await keys.get(session, event.person_id)
    except KeyErased:
        return ERASED
    try:
        return decrypt_field(data_key, event.reason, aad=decline_reason_aad(event.referral_id))
    except CryptoError as exc:
        raise PoisonEvent(
            "unreadable_reason", "the reason is not sealed for this referral"
        ) from exc


def _move(
    ctx: MessageContext, referral: Referral, action: str, reason: str | None, at: datetime
) -> None:
    move = rules.ReferralMove(
        referral.person_id, referral.id, referral.partner_id, referral.status, action
    )
    referral.status, events = rules.move_referral(move, at)
    referral.status_reason, referral.updated_at = reason, at
    ctx.record(*events)
