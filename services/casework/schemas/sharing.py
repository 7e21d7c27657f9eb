"""Requests and answers about sharing cases with partners."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from shared.bounds import Reason
from shared.schemas import Command

OrganisationId = Annotated[
    str, StringConstraints(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
]


class ShareKind(StrEnum):
    """Access for a partner (referral) or ownership (transfer)."""

    REFERRAL = "referral"
    TRANSFER = "transfer"


class ShareAction(StrEnum):
    """What can happen to an offer."""

    ACCEPT = "accept"
    DECLINE = "decline"
    REVOKE = "revoke"


class ShareCreate(Command):
    """Offer a partner access to the case, or its ownership."""

    organisation_id: OrganisationId
    kind: ShareKind


class ShareAnswer(Command):
    """A reason, required to decline."""

    reason: Reason | None = None


class SharePublic(BaseModel):
    """An offer and where it stands."""

    id: str
    case_id: str
    organisation_id: str
    kind: ShareKind
    status: str
    offered_by: str
    offered_at: datetime
    answered_by: str | None
    answered_at: datetime | None
    reason: str | None
