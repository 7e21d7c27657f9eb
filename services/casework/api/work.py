"""Routes of a case's daily work: tasks, confidential notes and the document checklist."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path

from services.casework.api.deps import CaseworkDep, Caseworker
from services.casework.handlers import work
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


@router.post("/cases/{case_id}/tasks", status_code=201, response_model=TaskPublic)
async def add_task(
    case_id: uuid.UUID, body: TaskCreate, principal: Caseworker, casework: CaseworkDep
) -> TaskPublic:
    """Add a task to the case."""
    async with casework.unit_of_work(principal) as uow:
        case, task = await work.add_task(
            uow, casework, str(case_id), body, principal, casework.clock()
        )
        await uow.commit()
    return await queries.task_public(casework.keys, case, task)


@router.get("/cases/{case_id}/tasks", response_model=list[TaskPublic])
async def list_tasks(
    case_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> list[TaskPublic]:
    """The case's tasks: open ones first, then done ones."""
    async with casework.runtime.sessions() as session:
        return await queries.list_tasks(session, casework.keys, str(case_id), principal)


@router.post("/tasks/{task_id}/complete", response_model=TaskPublic)
async def complete_task(
    task_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> TaskPublic:
    """Mark a task done; 409 if it was done already."""
    async with casework.unit_of_work(principal) as uow:
        case, task = await work.complete_task(uow, str(task_id), principal, casework.clock())
        await uow.commit()
    return await queries.task_public(casework.keys, case, task)


@router.post("/cases/{case_id}/notes", status_code=201, response_model=NotePublic)
async def add_note(
    case_id: uuid.UUID, body: NoteCreate, principal: Caseworker, casework: CaseworkDep
) -> NotePublic:
    """Add a confidential note, read by the owning organisation only."""
    async with casework.unit_of_work(principal) as uow:
        case, note = await work.add_note(
            uow, casework, str(case_id), body, principal, casework.clock()
        )
        await uow.commit()
    return await queries.note_public(casework.keys, case, note)


@router.get("/cases/{case_id}/notes", response_model=list[NotePublic])
async def list_notes(
    case_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> list[NotePublic]:
    """The owning organisation's confidential notes on the case, newest first."""
    async with casework.runtime.sessions() as session:
        return await queries.list_notes(session, casework.keys, str(case_id), principal)


@router.get("/cases/{case_id}/documents", response_model=list[DocumentPublic])
async def checklist(
    case_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> list[DocumentPublic]:
    """The documents the case's procedure asks for, and where each stands."""
    today = casework.clock().date()
    async with casework.runtime.sessions() as session:
        return await queries.checklist(session, casework.procedures, str(case_id), principal, today)


@router.put("/cases/{case_id}/documents/{item}", response_model=DocumentPublic)
async def record_document(
    case_id: uuid.UUID,
    item: ItemId,
    body: DocumentUpdate,
    principal: Caseworker,
    casework: CaseworkDep,
) -> DocumentPublic:
    """Record a checklist document as needed or received, with its expiry date."""
    now = casework.clock()
    async with casework.unit_of_work(principal) as uow:
        listed, document = await work.record_document(
            uow, casework, str(case_id), item, body, principal, now
        )
        await uow.commit()
    return queries.document_public(listed, document, now.date())
