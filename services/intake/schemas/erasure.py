"""Legal holds on a person's erasure, and the erasure itself."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from shared.bounds import TEXT_PATTERN
from shared.schemas import Command


class LegalHoldCreate(Command):
    """Why erasure must wait (e.g. an appeal pending before the CNDA)."""

    reason: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=3, max_length=500, pattern=TEXT_PATTERN
        ),
    ]


class LegalHoldPublic(BaseModel):
    """A legal hold on a person's erasure."""

    id: str
    person_id: str
    reason: str
    placed_by: str
    placed_at: datetime
    lifted_by: str | None = None
    lifted_at: datetime | None = None


class ErasurePublic(BaseModel):
    """The outcome of an erasure: the key is gone, so is intake's copy of the data."""

    person_id: str
    erased_at: datetime
