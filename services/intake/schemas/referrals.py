"""Referrals of a person to a partner's service, and their moves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from services.intake.schemas.partners import PartnerId, ServiceKind
from shared.bounds import TEXT_PATTERN
from shared.schemas import Command


class ReferralCreate(Command):
    """Send the person to a partner's service; a coordinator may override a missing consent."""

    partner_id: PartnerId
    service: ServiceKind
    override_reason: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=10, max_length=500, pattern=TEXT_PATTERN
            ),
        ]
        | None
    ) = None


class ReferralPublic(BaseModel):
    """A referral and where it stands."""

    id: str
    person_id: str
    partner_id: str
    service: ServiceKind
    status: str
    requested_by: str
    requested_at: datetime
    override_reason: str | None = None
    status_reason: str | None = None
    updated_at: datetime | None = None
    partner_case_id: str | None = Field(
        default=None, description="the case the partner opened for it, once accepted"
    )


class ReferralAction(StrEnum):
    """What can happen to a referral after it is requested."""

    ACCEPT = "accept"
    DECLINE = "decline"
    COMPLETE = "complete"
    REVOKE = "revoke"


class ReferralMoveBody(Command):
    """A reason, required to decline."""

    reason: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=3, max_length=500, pattern=TEXT_PATTERN
            ),
        ]
        | None
    ) = None
