"""A person, their history and legal holds, and the persons list, as the caller may see them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain import profiles
from services.intake.domain.persons import ERASED
from services.intake.models import LegalHold, Person, PersonVersion
from services.intake.queries.access import find_own_person, find_person, scoped
from services.intake.queries.keys import KeyErased, KeyStore
from services.intake.schemas.persons import (
    PersonFilters,
    PersonPage,
    PersonPublic,
    PersonSummary,
    PersonVersionPublic,
)
from shared.auth import Principal
from shared.schemas import present


async def get_person(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> PersonPublic:
    """The person if the caller's organisation may see them; otherwise as if absent."""
    person = await find_person(session, person_id, principal)
    try:
        data_key = await keys.get(session, person.id)
    except KeyErased:
        return public(person, ERASED, {})
    name = profiles.unseal_name(data_key, person.id, person.chosen_name_enc)
    return public(person, name, profiles.unseal(data_key, person.id, person.profile_enc))


def public(person: Person, chosen_name: str, details: dict[str, Any]) -> PersonPublic:
    """The person as their organisation's staff see them."""
    return present(PersonPublic, person, chosen_name=chosen_name, **details)


async def history(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> list[PersonVersionPublic]:
    """What the person's record was before each change, newest first."""
    person = await find_own_person(session, person_id, principal, merged_ok=True)
    try:
        data_key = await keys.get(session, person.id)
    except KeyErased:
        return []
    query = select(PersonVersion).where(col(PersonVersion.person_id) == person.id)
    versions = await session.execute(query.order_by(col(PersonVersion.version).desc()))
    return [
        present(
            PersonVersionPublic,
            v,
            chosen_name=profiles.unseal_name(data_key, person.id, v.chosen_name_enc),
            details={
                **profiles.unseal(data_key, person.id, v.profile_enc),
                "preferred_language": v.preferred_language,
                "sms_consent": v.sms_consent,
                "timezone": v.timezone,
            },
        )
        for v in versions.scalars()
    ]


async def legal_holds(session: AsyncSession, person_id: str) -> list[LegalHold]:
    """Every legal hold of a person, lifted or not, oldest first."""
    query = select(LegalHold).where(col(LegalHold.person_id) == person_id)
    return list((await session.execute(query.order_by(col(LegalHold.placed_at)))).scalars())


async def list_persons(
    session: AsyncSession,
    keys: KeyStore,
    principal: Principal,
    filters: PersonFilters,
) -> PersonPage:
    """A page of the persons the caller's organisation may see, newest first."""
    query = filtered(scoped(select(Person), principal), filters)
    if not filters.include_merged:
        query = query.where(col(Person.merged_into).is_(None))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(col(Person.registered_at).desc(), col(Person.id))
    persons = list(
        (await session.execute(page.limit(filters.limit).offset(filters.offset))).scalars()
    )
    data_keys = await keys.get_many(session, [p.id for p in persons])
    return PersonPage(
        items=[summary_line(p, data_keys.get(p.id)) for p in persons],
        total=int(total),
        limit=filters.limit,
        offset=filters.offset,
    )


def filtered(query: Select[Any], filters: PersonFilters) -> Select[Any]:
    """The query narrowed by the list's filters on a person's plain columns."""
    if filters.preferred_language is not None:
        query = query.where(col(Person.preferred_language) == filters.preferred_language)
    if filters.registered_from is not None:
        query = query.where(col(Person.registered_at) >= filters.registered_from)
    if filters.registered_to is not None:
        query = query.where(col(Person.registered_at) < filters.registered_to)
    if filters.erased is not None:
        erased = col(Person.erased_at)
        query = query.where(erased.is_not(None) if filters.erased else erased.is_(None))
    return query


def summary_line(person: Person, data_key: bytes | None) -> PersonSummary:
    """A line of the persons list: the chosen name and year of birth decrypted with the
    person's data key, or `[erased]` and no year when the key is gone (None)."""
    erased = person.erased_at is not None
    if data_key is None:
        return present(PersonSummary, person, chosen_name=ERASED, erased=erased)
    name = profiles.unseal_name(data_key, person.id, person.chosen_name_enc)
    year = profiles.birth_year(profiles.unseal(data_key, person.id, person.profile_enc))
    return present(
        PersonSummary,
        person,
        chosen_name=name,
        birth_year=year,
        erased=erased,
    )
