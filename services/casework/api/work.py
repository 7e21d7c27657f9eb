"""Routes of a case's daily work: tasks, confidential notes and the document checklist."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.ext.asyncio import AsyncSession

from services.casework.api.deps import Caseworker, Keys, Now, Procedures, Reading, Reads, Units
from services.casework.handlers import work
from services.casework.models import Case
from services.casework.queries import work as queries
from services.casework.schemas.work import (
    DocumentPublic,
    DocumentUpdate,
    NoteCreate,
    NotePublic,
    TaskCreate,
    TaskPublic,
)

router = APIRouter(tags=["work"])

ItemId = Annotated[str, Path(min_length=1, max_length=64, description="a checklist item id")]


async def _person_of(session: AsyncSession, case_id: uuid.UUID) -> str | None:
    # the case was loaded by the query that checked access: this is no second read
    case = await session.get(Case, str(case_id))
    return None if case is None else case.person_id


@router.post("/cases/{case_id}/tasks", status_code=201, response_model=TaskPublic)
async def add_task(
    case_id: uuid.UUID, body: TaskCreate, principal: Caseworker, units: Units, now: Now, keys: Keys
) -> TaskPublic:
    """Add a task to the case."""
    async with units(principal) as uow:
        case, task = await work.add_task(uow, keys, str(case_id), body, principal, now)
        await uow.commit()
    return await queries.task_public(keys, case, task)


@router.get("/cases/{case_id}/tasks", response_model=list[TaskPublic])
async def list_tasks(
    case_id: uuid.UUID, principal: Caseworker, session: Reading, keys: Keys, reads: Reads
) -> list[TaskPublic]:
    """The case's tasks: open ones first, then done ones."""
    tasks = await queries.list_tasks(session, keys, str(case_id), principal)
    reads.record(principal, "case_tasks", str(case_id), await _person_of(session, case_id))
    return tasks


@router.post("/tasks/{task_id}/complete", response_model=TaskPublic)
async def complete_task(
    task_id: uuid.UUID, principal: Caseworker, units: Units, now: Now, keys: Keys
) -> TaskPublic:
    """Mark a task done; 409 if it was done already."""
    async with units(principal) as uow:
        case, task = await work.complete_task(uow, str(task_id), principal, now)
        await uow.commit()
    return await queries.task_public(keys, case, task)


@router.post("/cases/{case_id}/notes", status_code=201, response_model=NotePublic)
async def add_note(
    case_id: uuid.UUID, body: NoteCreate, principal: Caseworker, units: Units, now: Now, keys: Keys
) -> NotePublic:
    """Add a confidential note, read by the owning organisation only."""
    async with units(principal) as uow:
        case, note = await work.add_note(uow, keys, str(case_id), body, principal, now)
        await uow.commit()
    return await queries.note_public(keys, case, note)


@router.get("/cases/{case_id}/notes", response_model=list[NotePublic])
async def list_notes(
    case_id: uuid.UUID, principal: Caseworker, session: Reading, keys: Keys, reads: Reads
) -> list[NotePublic]:
    """The owning organisation's confidential notes on the case, newest first."""
    notes = await queries.list_notes(session, keys, str(case_id), principal)
    reads.record(principal, "case_notes", str(case_id), await _person_of(session, case_id))
    return notes


@router.get("/cases/{case_id}/documents", response_model=list[DocumentPublic])
async def checklist(
    case_id: uuid.UUID, principal: Caseworker, session: Reading, now: Now, procedures: Procedures
) -> list[DocumentPublic]:
    """The documents the case's procedure asks for, and where each stands."""
    return await queries.checklist(session, procedures, str(case_id), principal, now.date())


@router.put("/cases/{case_id}/documents/{item}", response_model=DocumentPublic)
async def record_document(
    case_id: uuid.UUID,
    item: ItemId,
    body: DocumentUpdate,
    principal: Caseworker,
    units: Units,
    now: Now,
    procedures: Procedures,
) -> DocumentPublic:
    """Record a checklist document as needed or received, with its expiry date."""
    async with units(principal) as uow:
        listed, document = await work.record_document(
            uow, procedures, str(case_id), item, body, principal, now
        )
        await uow.commit()
    return queries.document_public(listed, document, now.date())
