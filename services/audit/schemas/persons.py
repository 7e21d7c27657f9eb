"""A person's history for auditors: their timeline across services, their consents and
referrals as they were, and who read their data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class TimelineEntry(BaseModel):
    """One event of the person's history: what happened, when, who did it, and where it is
    recorded; names and places in clear while the person's key exists, else `[erased]`."""

    time: datetime
    source: str
    seq: int
    type: str
    subject: str
    actor: str | None
    actororg: str | None
    data: dict[str, Any]


class Timeline(BaseModel):
    """The person's events from every service, oldest first."""

    person_id: str
    erased: bool = Field(description="the person's key is gone: names read `[erased]`")
    entries: list[TimelineEntry]


class ConsentAsOf(BaseModel):
    """A consent, with who recorded it and when, and its withdrawal."""

    id: str
    person_id: str
    purpose: str
    partner_id: str | None
    given_by: str | None
    given_at: datetime
    withdrawn_by: str | None
    withdrawn_at: datetime | None


class ReferralAsOf(BaseModel):
    """A referral and where it stood (a decline's or override's reason stays in intake)."""

    id: str
    person_id: str
    partner_id: str
    service: str
    status: str
    requested_by: str | None
    requested_at: datetime
    updated_at: datetime | None
    partner_case_id: str | None = Field(description="the partner's case, or housing's placement")
    overridden: bool = Field(description="a coordinator went ahead without the consent")


class ConsentsAsOf(BaseModel):
    """A person's consents and referrals as they stood at `as_of`."""

    as_of: datetime
    person_id: str
    erased_at: datetime | None
    consents: list[ConsentAsOf]
    referrals: list[ReferralAsOf]


class AccessPublic(BaseModel):
    """One read of the person's data, and the event of which chain records it."""

    actor: str | None
    actororg: str | None
    resource: str = Field(description="person, case_notes, export, key_release, application...")
    resource_id: str
    at: datetime
    route: str | None
    source: str
    seq: int


class AccessLog(BaseModel):
    """Who read the person's data, oldest first."""

    person_id: str
    reads: list[AccessPublic]
