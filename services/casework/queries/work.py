"""Reading a case's tasks, confidential notes and document checklist."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.domain.procedures import Catalogue, DocumentItem, UnknownCaseType
from services.casework.models import Case, Document, Note, Task
from services.casework.queries.access import Need, find_case
from services.casework.queries.sealing import unseal
from services.casework.schemas.work import DocumentPublic, NotePublic, TaskPublic
from shared.auth import Principal
from shared.keystore import KeyStoreClient
from shared.schemas import present
from shared.web import Forbidden

EXPIRING_WITHIN = timedelta(days=30)


def task_aad(case_id: str, task_id: str) -> str:
    """Binds a task title's ciphertext to its task."""
    return f"{case_id}:task:{task_id}"


def note_aad(case_id: str, note_id: str) -> str:
    """Binds a note's ciphertext to its note."""
    return f"{case_id}:note:{note_id}"


async def owned_case(session: AsyncSession, case_id: str, principal: Principal) -> Case:
    """The case if the caller belongs to the organisation that owns it: confidential notes
    stay there (partners and coordinators of other organisations get 403, strangers 404)."""
    case = await find_case(session, case_id, principal, Need.OWN)
    if case.organisation_id != principal.org:
        raise Forbidden("Only the organisation that owns this case reads its confidential notes.")
    return case


async def task_public(keys: KeyStoreClient, case: Case, task: Task) -> TaskPublic:
    """The task with its title in clear."""
    title = await unseal(keys, case.person_id, task.title_enc, task_aad(case.id, task.id))
    return present(TaskPublic, task, title=title, done=task.completed_at is not None)


async def list_tasks(
    session: AsyncSession, keys: KeyStoreClient, case_id: str, principal: Principal
) -> list[TaskPublic]:
    """Open tasks first (soonest due first), then done ones (latest done first)."""
    case = await find_case(session, case_id, principal, Need.WORK)
    done = col(Task.completed_at).is_not(None)
    query = (
        select(Task)
        .where(col(Task.case_id) == case.id)
        .order_by(
            done,
            col(Task.completed_at).desc(),
            col(Task.due_on).asc().nulls_last(),
            col(Task.added_at),
            col(Task.id),
        )
    )
    tasks = (await session.execute(query)).scalars().all()
    return [await task_public(keys, case, task) for task in tasks]


async def note_public(keys: KeyStoreClient, case: Case, note: Note) -> NotePublic:
    """The note in clear."""
    text = await unseal(keys, case.person_id, note.text_enc, note_aad(case.id, note.id))
    return present(NotePublic, note, text=text)


async def list_notes(
    session: AsyncSession, keys: KeyStoreClient, case_id: str, principal: Principal
) -> list[NotePublic]:
    """The owning organisation's notes on the case, newest first."""
    case = await owned_case(session, case_id, principal)
    query = (
        select(Note)
        .where(col(Note.case_id) == case.id, col(Note.organisation_id) == case.organisation_id)
        .order_by(col(Note.added_at).desc(), col(Note.id).desc())
    )
    notes = (await session.execute(query)).scalars().all()
    return [await note_public(keys, case, note) for note in notes]


def document_public(item: DocumentItem, document: Document | None, today: date) -> DocumentPublic:
    """A checklist item and its recorded state ("needed" until something is recorded)."""
    expires_on = document.expires_on if document else None
    return DocumentPublic(
        item=item.id,
        label=item.label,
        expires=item.expires,
        status=document.status if document else "needed",
        expires_on=expires_on,
        expiring=expires_on is not None and expires_on <= today + EXPIRING_WITHIN,
        updated_by=document.updated_by if document else None,
        updated_at=document.updated_at if document else None,
    )


async def checklist(
    session: AsyncSession, procedures: Catalogue, case_id: str, principal: Principal, today: date
) -> list[DocumentPublic]:
    """The case's procedure checklist with what was recorded; empty before a procedure."""
    case = await find_case(session, case_id, principal, Need.READ)
    if case.case_type is None:
        return []
    try:
        items = procedures.get(case.case_type).checklist
    except UnknownCaseType:
        return []  # a procedure withdrawn from the rule data: nothing to ask for any more
    rows = await session.execute(select(Document).where(col(Document.case_id) == case.id))
    recorded = {document.item: document for document in rows.scalars()}
    return [document_public(item, recorded.get(item.id), today) for item in items]
