"""Casework's request and response models."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CasePublic(BaseModel):
    """A case file as its organisation sees it."""

    id: str
    person_id: str
    organisation_id: str
    service: str
    referral_id: str | None
    status: str
    opened_at: datetime
    version: int


class CaseFilters(BaseModel):
    """Filters and paging of the cases list."""

    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


class CasePage(BaseModel):
    """One page of cases, newest first, with the total that matches the filters."""

    items: list[CasePublic]
    total: int
    limit: int
    offset: int
