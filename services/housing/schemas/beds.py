"""Requests and answers about beds out of service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.bounds import Day, Reason
from shared.schemas import Command


class OutageCreate(Command):
    """Put a bed out of service for some nights, with the reason (staff text: no names)."""

    first_night: Day = Field(description="the first night the bed cannot be given")
    last_night: Day = Field(description="the last night it cannot be given (included)")
    reason: Reason


class OutagePublic(BaseModel):
    """A period a bed is out of service."""

    id: str
    bed_id: str
    first_night: date
    last_night: date
    reason: str
    added_by: str
    added_at: datetime
