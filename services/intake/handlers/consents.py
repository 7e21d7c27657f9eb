"""A person's consents: given for a purpose, withdrawn from then on."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.intake.domain import consents as rules
from services.intake.handlers import households
from services.intake.models import Consent, Partner
from services.intake.queries.access import find_own_person, find_person
from services.intake.queries.keys import KeyStore
from services.intake.schemas.consents import ConsentCreate, ConsentPurpose
from shared.auth import Principal, may_see_organisation
from shared.events.intake import ConsentGiven
from shared.uow import UnitOfWork
from shared.web import NotFound


async def give_consent(
    uow: UnitOfWork, person_id: str, command: ConsentCreate, principal: Principal, now: datetime
) -> Consent:
    """Record the person's consent to a purpose (for one partner when sharing)."""
    person = await find_own_person(uow.session, person_id, principal)
    if command.partner_id and await uow.session.get(Partner, command.partner_id) is None:
        raise NotFound("No such partner.")
    consent = Consent(
        id=str(uuid.uuid4()),
        person_id=person.id,
        purpose=command.purpose.value,
        partner_id=command.partner_id,
        given_by=principal.user_id,
        given_at=now,
    )
    uow.session.add(consent)
    uow.record(
        ConsentGiven(
            person_id=person.id,
            consent_id=consent.id,
            purpose=consent.purpose,
            partner_id=consent.partner_id,
            given_at=now,
        )
    )
    return consent


async def withdraw_consent(
    uow: UnitOfWork,
    keys: KeyStore,
    person_id: str,
    consent_id: str,
    principal: Principal,
    now: datetime,
) -> Consent:
    """Take a consent back; what it allowed stops from now on (a partner the person was
    referred to may record it too)."""
    person = await find_person(uow.session, person_id, principal)
    consent = await uow.session.get(Consent, consent_id)
    partner = not may_see_organisation(principal, person.organisation_id)
    if (
        consent is None
        or consent.person_id != person.id
        or (partner and consent.partner_id != principal.org)  # a partner withdraws its own
    ):
        raise NotFound("No such consent for this person.")
    uow.record(
        *rules.withdraw_consent(person.id, consent.id, consent.withdrawn_at is not None, now)
    )
    consent.withdrawn_at, consent.withdrawn_by = now, principal.user_id
    if consent.purpose == ConsentPurpose.HEALTH_INFORMATION:
        await households.forget_health(uow, keys, person.id, principal.user_id, now)
    return consent
