"""A case's daily work: tasks, confidential notes and the document checklist."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.casework.domain.procedures import Catalogue, DocumentItem, UnknownCaseType
from services.casework.models import Case, Document, Note, Task
from services.casework.queries.access import Need, find_case, find_of_case
from services.casework.queries.work import note_aad, owned_case, task_aad
from services.casework.schemas.work import DocumentUpdate, NoteCreate, TaskCreate
from shared.auth import Principal
from shared.events.casework import DocumentRecorded, NoteAdded, TaskAdded, TaskCompleted
from shared.keystore import KeyStoreClient, seal
from shared.uow import UnitOfWork
from shared.web import Conflict, Unprocessable


async def add_task(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    case_id: str,
    command: TaskCreate,
    principal: Principal,
    now: datetime,
) -> tuple[Case, Task]:
    """Add a task to the case; its title is stored and published encrypted."""
    case = await find_case(uow.session, case_id, principal, Need.WORK)
    task_id = str(uuid.uuid4())
    title = await seal(keys, case.person_id, command.title, task_aad(case.id, task_id))
    task = Task(
        id=task_id,
        case_id=case.id,
        title_enc=title,
        due_on=command.due_on,
        assignee=command.assignee,
        added_by=principal.user_id,
        added_at=now,
    )
    uow.session.add(task)
    uow.record(
        TaskAdded(
            case_id=case.id,
            task_id=task.id,
            title=title,
            due_on=task.due_on,
            assignee=task.assignee,
            added_at=now,
        )
    )
    return case, task


async def complete_task(
    uow: UnitOfWork, task_id: str, principal: Principal, now: datetime
) -> tuple[Case, Task]:
    """Mark a task done, once: a second completion is a 409."""
    invisible = "No task with this id is visible to your organisation."
    case, task = await find_of_case(
        uow.session, Task, task_id, principal, Need.WORK, missing=invisible, lock=True
    )
    if task.completed_at is not None:
        raise Conflict(f"this task was completed already, at {task.completed_at.isoformat()}")
    task.completed_at = now
    uow.record(TaskCompleted(case_id=case.id, task_id=task.id, completed_at=now))
    return case, task


async def add_note(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    case_id: str,
    command: NoteCreate,
    principal: Principal,
    now: datetime,
) -> tuple[Case, Note]:
    """Add a confidential note of the owning organisation, encrypted with the person's key."""
    case = await owned_case(uow.session, case_id, principal)
    note_id = str(uuid.uuid4())
    text = await seal(keys, case.person_id, command.text, note_aad(case.id, note_id))
    note = Note(
        id=note_id,
        case_id=case.id,
        organisation_id=case.organisation_id,
        text_enc=text,
        added_by=principal.user_id,
        added_at=now,
    )
    uow.session.add(note)
    uow.record(
        NoteAdded(
            case_id=case.id,
            note_id=note.id,
            organisation_id=note.organisation_id,
            text=text,
            added_at=now,
        )
    )
    return case, note


async def record_document(
    uow: UnitOfWork,
    procedures: Catalogue,
    case_id: str,
    item_id: str,
    command: DocumentUpdate,
    principal: Principal,
    now: datetime,
) -> tuple[DocumentItem, Document]:
    """Record where a checklist document stands (metadata only, never the file)."""
    case = await find_case(uow.session, case_id, principal, Need.WORK)
    item = _checklist_item(procedures, case, item_id)
    document = await uow.session.get(Document, (case.id, item.id), with_for_update=True)
    if document is None:
        document = Document(
            case_id=case.id, item=item.id, status=command.status.value, updated_by=principal.user_id
        )
        uow.session.add(document)
    document.status = command.status.value
    document.expires_on = command.expires_on
    document.updated_by = principal.user_id
    document.updated_at = now
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # two first recordings of one item at the same time
        raise Conflict("this document was recorded at the same moment: reload and retry") from exc
    uow.record(
        DocumentRecorded(
            case_id=case.id,
            document_id=item.id,
            status=document.status,
            expires_on=document.expires_on,
            recorded_at=now,
        )
    )
    return item, document


def _checklist_item(procedures: Catalogue, case: Case, item_id: str) -> DocumentItem:
    if case.case_type is None:
        raise Conflict("choose the case's procedure first: its checklist comes from it")
    try:
        checklist = procedures.get(case.case_type).checklist
    except UnknownCaseType as exc:
        raise Conflict(f"the procedure {case.case_type} is no longer in the rule data") from exc
    for item in checklist:
        if item.id == item_id:
            return item
    known = ", ".join(i.id for i in checklist) or "none"
    raise Unprocessable(
        f"item: {item_id!r} is not on the {case.case_type} checklist; known: {known}",
        extra={"item": item_id, "known": [i.id for i in checklist]},
    )
