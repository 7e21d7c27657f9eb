"""A caseworker's day: their cases, what is due, what is late, who they see this week."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.casework.schemas.cases import CasePage, CaseType, Status
from shared.bounds import Limit, Offset
from shared.schemas import Command


class DayFilters(Command):
    """How far ahead to look, which cases, which page."""

    days: int = Field(default=7, ge=1, le=90, description="deadlines due within this many days")
    case_type: CaseType | None = None
    status: Status | None = None
    limit: Limit = 50
    offset: Offset = 0


class DueDeadline(BaseModel):
    """A deadline of one of my cases."""

    case_id: str
    deadline_id: str
    rule_id: str
    label: str
    legal_reference: str
    due: date = Field(description="the date to act by: the earlier of the two below")
    computed_due: date | None
    notified_due: date | None = Field(description="the date the decision letter gives, if any")
    differs: bool = Field(description="the notified and computed dates disagree: check the letter")
    days_left: int = Field(description="negative when overdue")


class LateTask(BaseModel):
    """A task of one of my cases, past its due date."""

    case_id: str
    task_id: str
    title: str
    due_on: date


class WeekAppointment(BaseModel):
    """An appointment of one of my cases in the seven days from today."""

    case_id: str
    appointment_id: str
    kind: str
    starts_at: datetime
    timezone: str
    place: str


class Day(BaseModel):
    """What a caseworker needs to see first."""

    today: date
    cases: CasePage
    by_status: dict[str, int]
    by_type: dict[str, int]
    deadlines_soon: list[DueDeadline]
    overdue_deadlines: list[DueDeadline]
    overdue_tasks: list[LateTask]
    appointments_this_week: list[WeekAppointment] = Field(
        description="today and the six days after it (Paris time), soonest first"
    )
