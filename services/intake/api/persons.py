"""Routes of persons: registration, reading, duplicates, legal holds, erasure, export."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.intake import duplicates, export, handlers, queries, search
from services.intake.api.deps import Eraser, Guardian, IntakeDep, Staff
from services.intake.schemas import (
    DuplicatePublic,
    ErasurePublic,
    LegalHoldCreate,
    LegalHoldPublic,
    PersonCreate,
    PersonFilters,
    PersonPage,
    PersonPublic,
    PersonRegistered,
    PersonUpdate,
    PersonVersion,
    SubjectAccessExport,
)

router = APIRouter(prefix="/persons", tags=["persons"])


@router.post("", status_code=201, response_model=PersonRegistered)
async def register_person(
    body: PersonCreate, principal: Staff, intake: IntakeDep
) -> PersonRegistered:
    """Welcome a person: a chosen name is enough; possible duplicates are suggested, not merged."""
    async with intake.unit_of_work(principal) as uow:
        person = await handlers.register_person(
            uow, intake.keys, body, principal, datetime.now(UTC)
        )
        found = await duplicates.suggestions(uow.session, intake.keys, person.id, principal)
        await uow.commit()
        shown = await queries.get_person(uow.session, intake.keys, person.id, principal)
    return PersonRegistered(**shown.model_dump(), duplicates=found)


@router.get("", response_model=PersonPage)
async def list_persons(
    principal: Staff, intake: IntakeDep, filters: Annotated[PersonFilters, Query()]
) -> PersonPage:
    """The persons the caller's organisation may see, newest first, a page at a time; with `q`,
    those whose name or phone matches, best match first."""
    async with intake.runtime.sessions() as session:
        if filters.q is not None:
            return await search.search(session, intake.keys, principal, filters)
        return await queries.list_persons(session, intake.keys, principal, filters)


@router.get("/{person_id}", response_model=PersonPublic)
async def get_person(person_id: uuid.UUID, principal: Staff, intake: IntakeDep) -> PersonPublic:
    """A person, if the caller's organisation may see them."""
    async with intake.runtime.sessions() as session:
        return await queries.get_person(session, intake.keys, str(person_id), principal)


@router.patch("/{person_id}", response_model=PersonPublic)
async def update_person(
    person_id: uuid.UUID, body: PersonUpdate, principal: Staff, intake: IntakeDep
) -> PersonPublic:
    """Change some of a person's details; the previous state is kept in their history."""
    async with intake.unit_of_work(principal) as uow:
        await handlers.update_person(
            uow, intake.keys, str(person_id), body, principal, datetime.now(UTC)
        )
        await uow.commit()
        return await queries.get_person(uow.session, intake.keys, str(person_id), principal)


@router.get("/{person_id}/history", response_model=list[PersonVersion])
async def person_history(
    person_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> list[PersonVersion]:
    """The person's earlier states, newest first, with who changed them and when."""
    async with intake.runtime.sessions() as session:
        return await queries.history(session, intake.keys, str(person_id), principal)


@router.get("/{person_id}/duplicates", response_model=list[DuplicatePublic])
async def person_duplicates(
    person_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> list[DuplicatePublic]:
    """Possible duplicates of a person among those the caller's organisation may see."""
    async with intake.runtime.sessions() as session:
        await queries.get_person(session, intake.keys, str(person_id), principal)  # 404 if unseen
        return await duplicates.suggestions(session, intake.keys, str(person_id), principal)


@router.post("/{person_id}/legal-holds", status_code=201, response_model=LegalHoldPublic)
async def place_legal_hold(
    person_id: uuid.UUID, body: LegalHoldCreate, principal: Guardian, intake: IntakeDep
) -> LegalHoldPublic:
    """Block erasure, e.g. while an appeal is pending."""
    async with intake.unit_of_work(principal) as uow:
        hold = await handlers.place_hold(
            uow, str(person_id), body.reason, principal, datetime.now(UTC)
        )
        await uow.commit()
    return LegalHoldPublic.model_validate(hold, from_attributes=True)


@router.post("/{person_id}/legal-holds/{hold_id}/lift", response_model=LegalHoldPublic)
async def lift_legal_hold(
    person_id: uuid.UUID, hold_id: uuid.UUID, principal: Guardian, intake: IntakeDep
) -> LegalHoldPublic:
    """End a legal hold."""
    async with intake.unit_of_work(principal) as uow:
        hold = await handlers.lift_hold(
            uow, str(person_id), str(hold_id), principal, datetime.now(UTC)
        )
        await uow.commit()
    return LegalHoldPublic.model_validate(hold, from_attributes=True)


@router.post("/{person_id}/erasure", response_model=ErasurePublic)
async def erase_person(person_id: uuid.UUID, principal: Eraser, intake: IntakeDep) -> ErasurePublic:
    """Erase a person: their key is destroyed, and with it every copy of their data."""
    async with intake.unit_of_work(principal) as uow:
        person = await handlers.erase_person(
            uow, intake.keys, str(person_id), principal, datetime.now(UTC)
        )
        await uow.commit()
    assert person.erased_at is not None
    return ErasurePublic(person_id=person.id, erased_at=person.erased_at)


@router.get("/{person_id}/export", response_model=SubjectAccessExport)
async def export_person(
    person_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> SubjectAccessExport:
    """Everything intake holds about a person (GDPR article 15), as JSON."""
    async with intake.runtime.sessions() as session:
        return await export.export(
            session, intake.keys, intake.runtime.outbox.table, str(person_id), principal
        )
