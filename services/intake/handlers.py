"""Intake's use cases: stage state and events in the unit of work; never commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.intake import domain, profiles
from services.intake.keys import KeyStore
from services.intake.models import Person
from services.intake.schemas import PersonCreate
from shared.auth import Principal
from shared.crypto import encrypt_field
from shared.uow import UnitOfWork


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
