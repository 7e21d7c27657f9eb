"""Answers about the procedures a case can follow (rule data, the same for everyone)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StepPublic(BaseModel):
    """A status of a procedure, and the deadline rules entering it starts."""

    status: str
    label: str
    starts: list[str] = Field(description="the deadline rules that start on entering it")
    final: bool


class ProcedurePublic(BaseModel):
    """A case type: its label, its first status and its steps."""

    id: str
    label: str
    family: str
    initial: str
    steps: list[StepPublic]
