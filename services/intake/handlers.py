"""Intake's use cases: stage state and events in the unit of work; never commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.intake import domain, profiles, queries
from services.intake.keys import KeyStore
from services.intake.models import LegalHold, Person
from services.intake.schemas import PersonCreate
from shared.auth import Principal
from shared.crypto import encrypt_field
from shared.uow import UnitOfWork
from shared.web import NotFound


async def register_person(
    uow: UnitOfWork, keys: KeyStore, command: PersonCreate, principal: Principal, now: datetime
) -> Person:
    """Register a person in the caller's organisation, personal fields encrypted with a new key."""
    person_id = str(uuid.uuid4())
    data_key = await keys.create(uow.session, person_id, now)
    registration = domain.Registration(
        person_id=person_id,
        organisation_id=principal.org,
        chosen_name_enc=encrypt_field(data_key, command.chosen_name, aad=person_id),
        preferred_language=command.preferred_language,
        registered_at=now,
        registered_by=principal.user_id,
        phone_enc=encrypt_field(data_key, command.phone, aad=f"{person_id}:phone")
        if command.phone
        else None,
        sms_consent=command.sms_consent,
        timezone=command.timezone,
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
    uow.record(*domain.register(registration))
    return person


async def place_hold(
    uow: UnitOfWork, person_id: str, reason: str, principal: Principal, now: datetime
) -> LegalHold:
    """Block the person's erasure until the hold is lifted."""
    person = await queries.find_person(uow.session, person_id, principal)
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
    person = await queries.find_person(uow.session, person_id, principal)
    hold = await uow.session.get(LegalHold, hold_id)
    if hold is None or hold.person_id != person.id:
        raise NotFound("No such legal hold on this person.")
    uow.record(*domain.lift_hold(person.id, hold.id, hold.lifted_at is not None, now))
    hold.lifted_at, hold.lifted_by = now, principal.user_id
    return hold


async def erase_person(
    uow: UnitOfWork, keys: KeyStore, person_id: str, principal: Principal, now: datetime
) -> Person:
    """Destroy the person's key and intake's copy of their data; the event log stays intact."""
    person = await queries.find_person(uow.session, person_id, principal)
    holds = await queries.legal_holds(uow.session, person.id)
    active = sum(1 for hold in holds if hold.lifted_at is None)
    uow.record(*domain.erase(person.id, person.erased_at is not None, active, now))
    await keys.destroy(uow.session, person.id)
    person.chosen_name_enc, person.profile_enc, person.phone_index = "", None, None
    person.erased_at = now
    return person
