"""Referrals to partners: requested with consent or an override, then moved by staff."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.intake.domain import referrals as rules
from services.intake.models import Partner, Person, Referral
from services.intake.queries.access import find_own_person
from services.intake.queries.consents import consents_to_share
from services.intake.schemas.referrals import ReferralAction, ReferralCreate
from shared.auth import Principal
from shared.uow import UnitOfWork
from shared.web import NotFound, Unprocessable


async def request_referral(
    uow: UnitOfWork, person_id: str, command: ReferralCreate, principal: Principal, now: datetime
) -> Referral:
    """Refer the person to a partner's service, with their consent or a recorded override."""
    person = await find_own_person(uow.session, person_id, principal)
    partner = await uow.session.get(Partner, command.partner_id)
    if partner is None:
        raise NotFound("No such partner.")
    request = rules.ReferralRequest(
        person_id=person.id,
        referral_id=str(uuid.uuid4()),
        partner_id=partner.id,
        service=command.service.value,
        partner_services=frozenset(partner.services),
        consented=await consents_to_share(uow.session, person.id, partner.id),
        override_reason=command.override_reason,
        by_coordinator=principal.has_role("coordinator"),
    )
    uow.record(*rules.request_referral(request, now))
    referral = Referral(
        id=request.referral_id,
        person_id=person.id,
        partner_id=partner.id,
        service=request.service,
        status="requested",
        requested_by=principal.user_id,
        requested_at=now,
        override_reason=None if request.consented else command.override_reason,
    )
    uow.session.add(referral)
    return referral


async def move_referral(
    uow: UnitOfWork,
    referral_id: str,
    action: ReferralAction,
    reason: str | None,
    principal: Principal,
    now: datetime,
) -> Referral:
    """Accept, decline or complete (the partner), or revoke (the referring organisation)."""
    referral = await uow.session.get(Referral, referral_id)
    person = await uow.session.get(Person, referral.person_id) if referral else None
    if referral is None or person is None or not _may_move(referral, person, action, principal):
        raise NotFound("No such referral for your organisation.")
    if action is ReferralAction.DECLINE and reason is None:
        raise Unprocessable("a decline needs a reason")
    rules.check_answered_here(referral.id, referral.service, action.value)
    move = rules.ReferralMove(
        person.id, referral.id, referral.partner_id, referral.status, action.value
    )
    referral.status, events = rules.move_referral(move, now)
    referral.status_reason, referral.updated_at = reason, now
    uow.record(*events)
    return referral


def _may_move(
    referral: Referral, person: Person, action: ReferralAction, principal: Principal
) -> bool:
    if principal.has_role("coordinator"):
        return True
    if action is ReferralAction.REVOKE:
        return person.organisation_id == principal.org
    return referral.partner_id == principal.org
