"""A case's work: tasks, confidential notes and the document checklist, from the case's page."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from services.console.api.cases.case import Asked, Short, Text, change_case
from services.console.api.deps import ConsoleDep, Now, SignedForm

router = APIRouter(tags=["cases"])

Item = Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$")]


@router.post("/cases/{case_id}/tasks")
async def add_task(
    case_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    title: Short = "",
    due_on: Short = "",
) -> Response:
    """Add a task, with the date it is due by."""
    body = {"title": title, **({"due_on": due_on} if due_on else {})}
    asked = ("POST", "casework", f"/cases/{case_id}/tasks", body)
    fields = frozenset({"title", "due_on"})
    given = {"title": title, "due_on": due_on}
    return await change_case(console, signed, str(case_id), now, "task", asked, fields, given)


@router.post("/cases/{case_id}/tasks/{task_id}/complete")
async def complete_task(
    case_id: uuid.UUID, task_id: uuid.UUID, signed: SignedForm, console: ConsoleDep, now: Now
) -> Response:
    """Mark a task done."""
    asked: Asked = ("POST", "casework", f"/tasks/{task_id}/complete", {})
    return await change_case(console, signed, str(case_id), now, "tasks", asked)


@router.post("/cases/{case_id}/notes")
async def add_note(
    case_id: uuid.UUID, signed: SignedForm, console: ConsoleDep, now: Now, text: Text = ""
) -> Response:
    """Add a confidential note, read by my organisation only."""
    given = {"text": text}
    asked = ("POST", "casework", f"/cases/{case_id}/notes", given)
    return await change_case(
        console, signed, str(case_id), now, "note", asked, frozenset(given), given
    )


@router.post("/cases/{case_id}/documents/{item}")
async def record_document(
    case_id: uuid.UUID,
    item: Item,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    status: Short = "",
    expires_on: Short = "",
) -> Response:
    """Record a checklist document as needed or received, with its expiry date."""
    body = {"status": status, **({"expires_on": expires_on} if expires_on else {})}
    asked = ("PUT", "casework", f"/cases/{case_id}/documents/{item}", body)
    fields = frozenset({"status", "expires_on"})
    return await change_case(console, signed, str(case_id), now, f"document-{item}", asked, fields)
