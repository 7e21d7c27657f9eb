"""Intake's use cases: stage state and events in the unit of work; never commit."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import domain, households, index, merges, needs, profiles, queries
from services.intake.keys import KeyStore, PersonErased
from services.intake.matching import Profile
from services.intake.models import (
    Consent,
    LegalHold,
    Partner,
    Person,
    PersonVersion,
    Referral,
)
from services.intake.queries import ERASED
from services.intake.schemas import (
    ConsentCreate,
    ConsentPurpose,
    PartnerCreate,
    PersonCreate,
    PersonUpdate,
    ReferralAction,
    ReferralCreate,
)
from shared.auth import Principal, may_see_organisation
from shared.events.intake import (
    ConsentGiven,
    PartnerRegistered,
    PersonKeyReleased,
    PersonUpdated,
)
from shared.poison import summarise
from shared.uow import UnitOfWork
from shared.web import Conflict, Gone, NotFound, Unprocessable

log = structlog.get_logger(__name__)


async def register_person(
    uow: UnitOfWork, keys: KeyStore, command: PersonCreate, principal: Principal, now: datetime
) -> Person:
    """Register a person in the caller's organisation, personal fields encrypted with a new key."""
    person_id = str(uuid.uuid4())
    data_key = await keys.create(uow.session, person_id, now)
    registration = domain.Registration(
        person_id=person_id,
        organisation_id=principal.org,
        chosen_name_enc=profiles.seal_name(data_key, person_id, command.chosen_name),
        preferred_language=command.preferred_language,
        registered_at=now,
        registered_by=principal.user_id,
        phone_enc=profiles.seal_phone(data_key, person_id, command.phone)
        if command.phone
        else None,
        sms_consent=command.sms_consent,
        timezone=command.timezone,
        preferred_language_enc=profiles.seal_language(
            data_key, person_id, command.preferred_language
        ),
    )
    person = Person(
        id=person_id,
        organisation_id=registration.organisation_id,
        chosen_name_enc=registration.chosen_name_enc,
        profile_enc=profiles.seal(data_key, person_id, command),
        phone_index=keys.phone_index(command.phone) if command.phone else None,
        preferred_language=registration.preferred_language,
        sms_consent=command.sms_consent,
        timezone=command.timezone,
        registered_at=now,
        registered_by=registration.registered_by,
    )
    uow.session.add(person)
    names = (command.chosen_name, *command.other_names)
    profile = Profile(person_id, names, command.phone, command.known_birth_year)
    await index.write(uow.session, keys.blinder, profile)
    uow.record(*domain.register(registration))
    return person


async def place_hold(
    uow: UnitOfWork, person_id: str, reason: str, principal: Principal, now: datetime
) -> LegalHold:
    """Block the person's erasure until the hold is lifted."""
    person = await queries.find_own_person(uow.session, person_id, principal, merged_ok=True)
    hold_id = str(uuid.uuid4())
    uow.record(*domain.place_hold(person.id, hold_id, person.erased_at is not None, now))
    hold = LegalHold(
        id=hold_id, person_id=person.id, reason=reason, placed_by=principal.user_id, placed_at=now
    )
    uow.session.add(hold)
    return hold


async def lift_hold(
    uow: UnitOfWork, person_id: str, hold_id: str, principal: Principal, now: datetime
) -> LegalHold:
    """End a legal hold."""
    person = await queries.find_own_person(uow.session, person_id, principal, merged_ok=True)
    hold = await uow.session.get(LegalHold, hold_id)
    if hold is None or hold.person_id != person.id:
        raise NotFound("No such legal hold on this person.")
    uow.record(*domain.lift_hold(person.id, hold.id, hold.lifted_at is not None, now))
    hold.lifted_at, hold.lifted_by = now, principal.user_id
    return hold


async def erase_person(
    uow: UnitOfWork, keys: KeyStore, person_id: str, principal: Principal, now: datetime
) -> Person:
    """Destroy the person's key and intake's copy of their data; the event log stays intact.

    The records merged into the person are the same human being: they are erased too, and a
    legal hold on any of them blocks the whole erasure."""
    person = await queries.find_own_person(uow.session, person_id, principal)
    for record in [person, *await merges.absorbed(uow.session, person.id)]:
        await _erase_one(uow, keys, record, principal, now)
    return person


async def _erase_one(
    uow: UnitOfWork, keys: KeyStore, person: Person, principal: Principal, now: datetime
) -> None:
    holds = await queries.legal_holds(uow.session, person.id)
    active = sum(1 for hold in holds if hold.lifted_at is None)
    uow.record(*domain.erase(person.id, person.erased_at is not None, active, now))
    await households.forget_person(uow, keys, person.id, principal.user_id, now)
    await needs.erase(uow.session, person.id)
    await keys.destroy(uow.session, person.id)
    await index.forget(uow.session, person.id)
    person.chosen_name_enc, person.profile_enc, person.phone_index = "", None, None
    person.erased_at = now
    await _erase_free_text(uow.session, person.id, holds)
    await merges.erase_reasons(uow.session, person.id, ERASED)
    await uow.session.execute(
        delete(PersonVersion).where(col(PersonVersion.person_id) == person.id)
    )


async def _erase_free_text(session: AsyncSession, person_id: str, holds: list[LegalHold]) -> None:
    # reasons are free text written by staff: they may name the person, so they go too
    for hold in holds:
        hold.reason = ERASED
    referrals = await session.execute(select(Referral).where(col(Referral.person_id) == person_id))
    for referral in referrals.scalars():
        referral.override_reason = referral.override_reason and ERASED
        referral.status_reason = referral.status_reason and ERASED


async def register_partner(uow: UnitOfWork, command: PartnerCreate, now: datetime) -> Partner:
    """Add the city service or an association, with the services it provides."""
    if await uow.session.get(Partner, command.id) is not None:
        raise Conflict("a partner with this id exists already")
    services = [s.value for s in command.services]
    partner = Partner(id=command.id, name=command.name, services=services, registered_at=now)
    uow.session.add(partner)
    uow.record(
        PartnerRegistered(partner_id=partner.id, organisation_name=partner.name, services=services)
    )
    return partner


async def give_consent(
    uow: UnitOfWork, person_id: str, command: ConsentCreate, principal: Principal, now: datetime
) -> Consent:
    """Record the person's consent to a purpose (for one partner when sharing)."""
    person = await queries.find_own_person(uow.session, person_id, principal)
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
    person = await queries.find_person(uow.session, person_id, principal)
    consent = await uow.session.get(Consent, consent_id)
    partner = not may_see_organisation(principal, person.organisation_id)
    if (
        consent is None
        or consent.person_id != person.id
        or (partner and consent.partner_id != principal.org)  # a partner withdraws its own
    ):
        raise NotFound("No such consent for this person.")
    uow.record(
        *domain.withdraw_consent(person.id, consent.id, consent.withdrawn_at is not None, now)
    )
    consent.withdrawn_at, consent.withdrawn_by = now, principal.user_id
    if consent.purpose == ConsentPurpose.HEALTH_INFORMATION:
        await households.forget_health(uow, keys, person.id, principal.user_id, now)
    return consent


async def request_referral(
    uow: UnitOfWork, person_id: str, command: ReferralCreate, principal: Principal, now: datetime
) -> Referral:
    """Refer the person to a partner's service, with their consent or a recorded override."""
    person = await queries.find_own_person(uow.session, person_id, principal)
    partner = await uow.session.get(Partner, command.partner_id)
    if partner is None:
        raise NotFound("No such partner.")
    request = domain.ReferralRequest(
        person_id=person.id,
        referral_id=str(uuid.uuid4()),
        partner_id=partner.id,
        service=command.service.value,
        partner_services=frozenset(partner.services),
        consented=await queries.consents_to_share(uow.session, person.id, partner.id),
        override_reason=command.override_reason,
        by_coordinator=principal.has_role("coordinator"),
    )
    uow.record(*domain.request_referral(request, now))
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
    domain.check_answered_here(referral.id, referral.service, action.value)
    move = domain.ReferralMove(
        person.id, referral.id, referral.partner_id, referral.status, action.value
    )
    referral.status, events = domain.move_referral(move, now)
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


async def update_person(
    uow: UnitOfWork,
    keys: KeyStore,
    person_id: str,
    command: PersonUpdate,
    principal: Principal,
    now: datetime,
) -> Person:
    """Change the given fields; the previous state is kept as a version."""
    person = await queries.find_own_person(uow.session, person_id, principal)
    if person.erased_at is not None:
        raise Conflict("the person is erased")
    data_key = await keys.get(uow.session, person.id)
    changes = command.model_dump(mode="json", include=command.model_fields_set)
    merged = _merged(person, data_key, changes)
    uow.session.add(await _version_of(uow.session, person, principal, now))
    person.chosen_name_enc = profiles.seal_name(data_key, person.id, merged.chosen_name)
    person.profile_enc = profiles.seal(data_key, person.id, merged)
    person.phone_index = keys.phone_index(merged.phone) if merged.phone else None
    names = (merged.chosen_name, *merged.other_names)
    await index.write(
        uow.session, keys.blinder, Profile(person.id, names, merged.phone, merged.known_birth_year)
    )
    person.preferred_language = merged.preferred_language
    person.sms_consent, person.timezone = merged.sms_consent, merged.timezone
    phone = merged.phone if "phone" in changes else None
    language = merged.preferred_language if "preferred_language" in changes else None
    uow.record(
        PersonUpdated(
            person_id=person.id,
            changed=sorted(changes),
            chosen_name=person.chosen_name_enc if "chosen_name" in changes else None,
            phone=profiles.seal_phone(data_key, person.id, phone) if phone else None,
            preferred_language_enc=profiles.seal_language(data_key, person.id, language),
            sms_consent=merged.sms_consent,
            timezone=merged.timezone,
            updated_at=now,
        )
    )
    return person


def _merged(person: Person, data_key: bytes, changes: dict[str, object]) -> PersonCreate:
    """The person after the changes, checked by the same rules as a registration."""
    current = {
        "chosen_name": profiles.unseal_name(data_key, person.id, person.chosen_name_enc),
        **profiles.unseal(data_key, person.id, person.profile_enc),
        "preferred_language": person.preferred_language,
        "sms_consent": person.sms_consent,
        "timezone": person.timezone,
    }
    try:
        return PersonCreate.model_validate({**current, **changes})
    except ValidationError as exc:
        raise Unprocessable(f"the change would leave the person invalid: {summarise(exc)}") from exc


async def _version_of(
    session: AsyncSession, person: Person, principal: Principal, now: datetime
) -> PersonVersion:
    count = select(func.count()).where(col(PersonVersion.person_id) == person.id)
    return PersonVersion(
        person_id=person.id,
        version=int((await session.execute(count)).scalar_one()) + 1,
        chosen_name_enc=person.chosen_name_enc,
        profile_enc=person.profile_enc,
        preferred_language=person.preferred_language,
        sms_consent=person.sms_consent,
        timezone=person.timezone,
        replaced_by=principal.user_id,
        replaced_at=now,
    )


async def release_key(
    uow: UnitOfWork, keys: KeyStore, person_id: str, service: str, now: datetime
) -> bytes:
    """Give an authorised service the person's data key; the release is an event in the
    chained log, so who read which key, and when, can be audited and not quietly edited."""
    person = await uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("No person with this id.")
    try:
        data_key = await keys.get(uow.session, person.id)
    except PersonErased as exc:
        raise Gone("This person was erased: their key no longer exists.") from exc
    uow.record(PersonKeyReleased(person_id=person.id, service=service, released_at=now))
    return data_key
