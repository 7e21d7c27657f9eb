"""Requests and answers about a case's tasks, confidential notes and document checklist."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.bounds import Day, Line, Note, UserId
from shared.schemas import Command


class TaskCreate(Command):
    """Something to do on the case; the title is stored and published encrypted."""

    title: Line
    due_on: Day | None = None
    assignee: UserId | None = None


class TaskPublic(BaseModel):
    """A task with its title in clear (`[erased]` once the person is erased)."""

    id: str
    case_id: str
    title: str
    due_on: date | None
    assignee: str | None
    added_by: str
    added_at: datetime
    completed_at: datetime | None
    done: bool


class NoteCreate(Command):
    """A confidential note for the owning organisation; stored and published encrypted."""

    text: Note


class NotePublic(BaseModel):
    """A confidential note, in clear for its organisation only."""

    id: str
    case_id: str
    text: str
    added_by: str
    added_at: datetime


class DocumentStatus(StrEnum):
    """Whether the case still needs a document or has it."""

    NEEDED = "needed"
    RECEIVED = "received"


class DocumentUpdate(Command):
    """Record where a checklist document stands (metadata only, never the file)."""

    status: DocumentStatus
    expires_on: Day | None = Field(default=None, description="when the document stops being valid")


class DocumentPublic(BaseModel):
    """One item of the case's checklist and where it stands."""

    item: str
    label: str
    expires: bool = Field(description="whether this kind of document has an expiry date")
    status: str
    expires_on: date | None
    expiring: bool = Field(description="expires within 30 days (or has expired)")
    updated_by: str | None
    updated_at: datetime | None
