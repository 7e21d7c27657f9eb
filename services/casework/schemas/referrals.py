"""Requests and answers about the referrals a partner receives, and its automatic acceptance."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from services.casework.schemas.cases import CaseService
from shared.bounds import Limit, Offset, Reason
from shared.schemas import Command


class IncomingStatus(StrEnum):
    """Where a received referral stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


class IncomingFilters(Command):
    """Filter and paging of the inbox of received referrals."""

    status: IncomingStatus | None = None
    limit: Limit = 50
    offset: Offset = 0


class DeclineCreate(Command):
    """Why the partner says no (capacity, competence): staff free text, stored encrypted."""

    reason: Reason


class IncomingPublic(BaseModel):
    """A referral the caller's organisation received, and its answer."""

    id: str = Field(description="intake's referral id")
    person_id: str
    organisation_id: str
    service: CaseService
    status: IncomingStatus
    requested_at: datetime
    automatic: bool = Field(description="accepted without a look, as the partner opted in")
    case_id: str | None = Field(description="the case its acceptance opened")
    answered_by: str | None
    answered_at: datetime | None
    reason: str | None = Field(description="a decline's reason, `[erased]` once the person is")


class IncomingPage(BaseModel):
    """One page of received referrals, pending first, with the total matching the filter."""

    items: list[IncomingPublic]
    total: int
    limit: int
    offset: int


class ReferralSettingsUpdate(Command):
    """The services whose referrals the organisation accepts as they arrive."""

    auto_accept: list[CaseService] = Field(max_length=len(CaseService))

    @field_validator("auto_accept")
    @classmethod
    def _once_each(cls, services: list[CaseService]) -> list[CaseService]:
        if len(set(services)) != len(services):
            raise ValueError("each service at most once")
        return sorted(services)


class ReferralSettingsPublic(BaseModel):
    """The organisation's way of taking referrals (none accepted automatically by default)."""

    organisation_id: str
    auto_accept: list[CaseService]
    updated_by: str | None = None
    updated_at: datetime | None = None
