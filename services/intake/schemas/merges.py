"""Merges of duplicate records, and the splits that undo them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from shared.bounds import TEXT_PATTERN
from shared.schemas import Command

Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=10, max_length=500, pattern=TEXT_PATTERN),
]


class MergeCreate(Command):
    """Merge a duplicate record into this one; the reason is kept with the decision."""

    duplicate_id: uuid.UUID
    reason: Reason


class SplitCreate(Command):
    """Undo a merge, saying why."""

    reason: Reason


class MergePublic(BaseModel):
    """A merge decision, and its split when undone."""

    id: str
    survivor_id: str
    merged_id: str
    reason: str
    merged_by: str
    merged_at: datetime
    split_reason: str | None = None
    split_by: str | None = None
    split_at: datetime | None = None
