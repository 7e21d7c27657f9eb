"""A person's registration and the changes to their details; stage, never commit."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain import persons as rules
from services.intake.domain import profiles
from services.intake.domain.matching import Profile
from services.intake.handlers import index
from services.intake.models import Person, PersonVersion
from services.intake.queries.access import find_live_person
from services.intake.queries.keys import KeyStore
from services.intake.schemas.persons import PersonCreate, PersonUpdate
from shared.auth import Principal
from shared.events.intake import PersonUpdated
from shared.poison import summarise
from shared.uow import UnitOfWork
from shared.web import Unprocessable


async def register_person(
    uow: UnitOfWork, keys: KeyStore, command: PersonCreate, principal: Principal, now: datetime
) -> Person:
    """Register a person in the caller's organisation, personal fields encrypted with a new key."""
    check_born(command.birth_date, command.birth_year, now, ["body"])
    person_id = str(uuid.uuid4())
    data_key = await keys.create(uow.session, person_id, now)
    registration = _registration(data_key, person_id, command, principal, now)
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
    await index.write(uow.session, keys.blinder, _profile(person_id, command))
    uow.record(*rules.register(registration))
    return person


def check_born(
    birth_date: date | None, birth_year: int | None, now: datetime, loc: list[str | int]
) -> None:
    """Refuse a birth declared after today, as the request's validation would (422)."""
    problem = rules.unborn(birth_date, birth_year, now.date())
    if problem is not None:
        error = {"loc": loc, "msg": f"Value error, {problem}", "type": "value_error"}
        raise Unprocessable(
            "1 invalid field(s) in the request.",
            title="Validation failed",
            extra={"errors": [error]},
        )


def _registration(
    data_key: bytes, person_id: str, command: PersonCreate, principal: Principal, now: datetime
) -> rules.Registration:
    phone = command.phone
    return rules.Registration(
        person_id=person_id,
        organisation_id=principal.org,
        chosen_name_enc=profiles.seal_name(data_key, person_id, command.chosen_name),
        preferred_language=command.preferred_language,
        registered_at=now,
        registered_by=principal.user_id,
        phone_enc=profiles.seal_phone(data_key, person_id, phone) if phone else None,
        sms_consent=command.sms_consent,
        timezone=command.timezone,
        preferred_language_enc=profiles.seal_language(
            data_key, person_id, command.preferred_language
        ),
    )


def _profile(person_id: str, details: PersonCreate) -> Profile:
    names = (details.chosen_name, *details.other_names)
    return Profile(person_id, names, details.phone, details.known_birth_year)


async def update_person(
    uow: UnitOfWork,
    keys: KeyStore,
    person_id: str,
    command: PersonUpdate,
    principal: Principal,
    now: datetime,
) -> Person:
    """Change the given fields; the previous state is kept as a version."""
    person = await find_live_person(uow.session, person_id, principal)
    data_key = await keys.get(uow.session, person.id)
    changes = command.model_dump(mode="json", include=command.model_fields_set)
    merged = _merged(person, data_key, changes, now)
    uow.session.add(await _version_of(uow.session, person, principal, now))
    person.chosen_name_enc = profiles.seal_name(data_key, person.id, merged.chosen_name)
    person.profile_enc = profiles.seal(data_key, person.id, merged)
    person.phone_index = keys.phone_index(merged.phone) if merged.phone else None
    await index.write(uow.session, keys.blinder, _profile(person.id, merged))
    person.preferred_language = merged.preferred_language
    person.sms_consent, person.timezone = merged.sms_consent, merged.timezone
    uow.record(_updated(person, data_key, merged, changes, now))
    return person


def _updated(
    person: Person, data_key: bytes, merged: PersonCreate, changes: dict[str, object], now: datetime
) -> PersonUpdated:
    phone = merged.phone if "phone" in changes else None
    language = merged.preferred_language if "preferred_language" in changes else None
    return PersonUpdated(
        person_id=person.id,
        changed=sorted(changes),
        chosen_name=person.chosen_name_enc if "chosen_name" in changes else None,
        phone=profiles.seal_phone(data_key, person.id, phone) if phone else None,
        preferred_language_enc=profiles.seal_language(data_key, person.id, language),
        sms_consent=merged.sms_consent,
        timezone=merged.timezone,
        updated_at=now,
    )


def _merged(
    person: Person, data_key: bytes, changes: dict[str, object], now: datetime
) -> PersonCreate:
    """The person after the changes, checked by the same rules as a registration."""
    current = {
        "chosen_name": profiles.unseal_name(data_key, person.id, person.chosen_name_enc),
        **profiles.unseal(data_key, person.id, person.profile_enc),
        "preferred_language": person.preferred_language,
        "sms_consent": person.sms_consent,
        "timezone": person.timezone,
    }
    try:
        merged = PersonCreate.model_validate({**current, **changes})
    except ValidationError as exc:
        raise Unprocessable(f"{_INVALID_CHANGE}{summarise(exc)}") from exc
    if rules.unborn(merged.birth_date, merged.birth_year, now.date()) is not None:
        # as the registration's rules would have said it: no field, a value error
        raise Unprocessable(f"{_INVALID_CHANGE}: value_error")
    return merged


_INVALID_CHANGE = "the change would leave the person invalid: "


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
