"""Requests and answers about case files."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.bounds import Day, Identifier, Limit, Offset, UserId, Version
from shared.schemas import Command

CaseType = Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Status = Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z][a-z0-9_]{1,63}$")]
RuleId = Annotated[Identifier, Field(description="a deadline rule's id")]
Notified = Annotated[
    dict[RuleId, Day],
    Field(
        max_length=20,
        description="deadline rule id -> the date the decision letter gives",
    ),
]


class CaseService(StrEnum):
    """The partner service a case belongs to."""

    LEGAL_SUPPORT = "legal_support"
    ADMINISTRATIVE_HELP = "administrative_help"


class CaseCreate(Command):
    """Open a case for a person your organisation registered, under one procedure."""

    person_id: uuid.UUID
    case_type: CaseType
    service: CaseService = CaseService.LEGAL_SUPPORT
    on: Day | None = Field(default=None, description="the date of the first step; today if unset")
    notified: Notified = Field(default_factory=dict)


class ProcedureChoice(Command):
    """Choose the procedure of a case opened from a referral."""

    case_type: CaseType
    version: Version
    on: Day | None = None
    notified: Notified = Field(default_factory=dict)


class TransitionCreate(Command):
    """Move the case to its next status, on the date the fact happened."""

    to: Status
    on: Day = Field(description="the date of the fact, e.g. the day a decision was notified")
    version: Version
    notified: Notified = Field(default_factory=dict)


class AssignmentUpdate(Command):
    """Who follows the case in the owning organisation (null: nobody)."""

    assignee: UserId | None
    version: Version


class CasePublic(BaseModel):
    """A case file as the organisations that may see it see it."""

    id: str
    person_id: str
    organisation_id: str
    service: str
    referral_id: str | None
    case_type: str | None
    status: str
    assignee: str | None
    opened_at: datetime
    updated_at: datetime | None
    version: int
    allowed_transitions: list[str] = Field(default_factory=list)


class CaseFilters(Command):
    """Filters and paging of the cases list."""

    person_id: uuid.UUID | None = None
    case_type: CaseType | None = None
    status: Status | None = None
    assignee: UserId | None = None
    limit: Limit = 50
    offset: Offset = 0


class CasePage(BaseModel):
    """One page of cases, newest first, with the total that matches the filters."""

    items: list[CasePublic]
    total: int
    limit: int
    offset: int


class TimelineEntry(BaseModel):
    """One event of the case: what happened, when, and who did it (no personal text)."""

    type: str
    time: datetime
    actor: str | None
    actororg: str | None
    data: dict[str, object]
