"""Routes of persons: registration, reading, history, duplicates, and the persons list."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.intake.api.deps import Keys, Now, Reading, Reads, Staff, Units
from services.intake.handlers import persons
from services.intake.queries import duplicates, search
from services.intake.queries import persons as queries
from services.intake.schemas.persons import (
    DuplicatePublic,
    PersonCreate,
    PersonFilters,
    PersonPage,
    PersonPublic,
    PersonRegisteredPublic,
    PersonUpdate,
    PersonVersionPublic,
)

router = APIRouter(prefix="/persons", tags=["persons"])


@router.post("", status_code=201, response_model=PersonRegisteredPublic)
async def register_person(
    body: PersonCreate, principal: Staff, units: Units, keys: Keys, now: Now
) -> PersonRegisteredPublic:
    """Welcome a person: a chosen name is enough; possible duplicates are suggested, not merged."""
    async with units(principal) as uow:
        person = await persons.register_person(uow, keys, body, principal, now)
        found = await duplicates.suggestions(uow.session, keys, person.id, principal)
        await uow.commit()
        shown = await queries.get_person(uow.session, keys, person.id, principal)
    return PersonRegisteredPublic(**shown.model_dump(), duplicates=found)


@router.get("", response_model=PersonPage)
async def list_persons(
    principal: Staff, session: Reading, keys: Keys, filters: Annotated[PersonFilters, Query()]
) -> PersonPage:
    """The persons the caller's organisation may see, newest first, a page at a time; with `q`,
    those whose name or phone matches, best match first."""
    if filters.q is not None:
        return await search.search(session, keys, principal, filters)
    return await queries.list_persons(session, keys, principal, filters)


@router.get("/{person_id}", response_model=PersonPublic)
async def get_person(
    person_id: uuid.UUID, principal: Staff, session: Reading, keys: Keys, reads: Reads
) -> PersonPublic:
    """A person, if the caller's organisation may see them."""
    person = await queries.get_person(session, keys, str(person_id), principal)
    reads.record(principal, "person", person.id, person.id)
    return person


@router.patch("/{person_id}", response_model=PersonPublic)
async def update_person(
    person_id: uuid.UUID, body: PersonUpdate, principal: Staff, units: Units, keys: Keys, now: Now
) -> PersonPublic:
    """Change some of a person's details; the previous state is kept in their history."""
    async with units(principal) as uow:
        await persons.update_person(uow, keys, str(person_id), body, principal, now)
        await uow.commit()
        return await queries.get_person(uow.session, keys, str(person_id), principal)


@router.get("/{person_id}/history", response_model=list[PersonVersionPublic])
async def person_history(
    person_id: uuid.UUID, principal: Staff, session: Reading, keys: Keys, reads: Reads
) -> list[PersonVersionPublic]:
    """The person's earlier states, newest first, with who changed them and when."""
    versions = await queries.history(session, keys, str(person_id), principal)
    reads.record(principal, "person_history", str(person_id), str(person_id))
    return versions


@router.get("/{person_id}/duplicates", response_model=list[DuplicatePublic])
async def person_duplicates(
    person_id: uuid.UUID, principal: Staff, session: Reading, keys: Keys
) -> list[DuplicatePublic]:
    """Possible duplicates of a person among those the caller's organisation may see."""
    await queries.get_person(session, keys, str(person_id), principal)  # 404 if unseen
    return await duplicates.suggestions(session, keys, str(person_id), principal)
