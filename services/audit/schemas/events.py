"""The search of events: its filters, one event as an auditor sees it, and a page of them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from shared.bounds import Identifier, Instant, Limit, UserId
from shared.schemas import Command

EventType = Annotated[
    str,
    StringConstraints(max_length=255, pattern=r"^[a-z_]+\.[a-z_]+\.v[1-9][0-9]*$"),
    Field(description="a versioned type, e.g. casework.case_opened.v1"),
]
Cursor = Annotated[
    str,
    StringConstraints(max_length=200, pattern=r"^[A-Za-z0-9_-]+$"),
    Field(description="`next_cursor` of the page before (opaque)"),
]


class EventFilters(Command):
    """Which events: about a person, case, placement or organisation, by an actor, of a type,
    recorded from `from` (included) to `to` (excluded); a page at a time, oldest first."""

    person: uuid.UUID | None = None
    case: uuid.UUID | None = None
    placement: uuid.UUID | None = None
    organisation: Identifier | None = None
    actor: UserId | None = None
    type: EventType | None = None
    from_: Instant | None = Field(default=None, alias="from")
    to: Instant | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class EventPublic(BaseModel):
    """One event as its service published it: where it sits in its chain, what happened, when,
    who did it; its data in clear fields only (personal fields travel encrypted: left out)."""

    source: str
    seq: int
    id: str = Field(description="the event's CloudEvents id")
    type: str
    subject: str
    time: datetime
    actor: str | None
    actororg: str | None
    hash: str
    prevhash: str
    data: dict[str, Any]


class EventPage(BaseModel):
    """A page of events, oldest first; `next_cursor` asks for the page after (null: the last)."""

    items: list[EventPublic]
    next_cursor: str | None
    limit: int
