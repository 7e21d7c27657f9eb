"""Social housing applications and their proposals: what staff send and read."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.schemas import Command


class ApplicationCreate(Command):
    """A caseworker records a person's social housing application."""

    person_id: uuid.UUID
    number: str = Field(
        min_length=18, max_length=40, description="the numéro unique départemental (18 chars)"
    )
    departement: str | None = Field(
        default=None, max_length=3, description="checked against the number when given"
    )
    filed_on: date = Field(description="the date of the first filing, on the certificate")
    dalo_case_id: uuid.UUID | None = Field(default=None, description="casework's DALO case")


class RenewalCreate(Command):
    """The application was renewed on a day (on or before its due date)."""

    renewed_on: date


class ProposalCreate(Command):
    """A dwelling proposed after a commission."""

    dwelling: str = Field(min_length=1, max_length=1000, description="sealed: address, size")
    commission_on: date


class OutcomeCreate(Command):
    """The person's answer to a proposal; a refusal needs its reason."""

    outcome: Literal["accepted", "refused"]
    reason: str | None = Field(default=None, min_length=1, max_length=1000)


class ProposalPublic(BaseModel):
    """A proposal, its dwelling and reason read back with the person's key."""

    id: str
    application_id: str
    dwelling: str | None = Field(description="None when it cannot be read (erased, key store away)")
    commission_on: date
    outcome: str
    reason: str | None
    received_at: datetime
    answered_at: datetime | None


class ApplicationPublic(BaseModel):
    """An application as its organisation and the operator's staff read it."""

    id: str
    person_id: str
    organisation_id: str
    number: str | None = Field(description="None when it cannot be read (erased, key store away)")
    departement: str
    filed_on: date
    renewal_due: date
    renewals: int
    last_renewed_on: date | None
    status: str
    dalo_case_id: str | None
    filed_at: datetime
    proposals: list[ProposalPublic] = Field(default_factory=list)
