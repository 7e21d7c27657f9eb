"""Notifications' response models: never a phone number, never a message text."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ContactPublic(BaseModel):
    """A contact as the notifications service knows it (no name or number in clear)."""

    person_id: str
    organisation_id: str
    preferred_language: str
    registered_at: datetime
    sms_consent: bool = False
    timezone: str = "Europe/Paris"
    has_phone: bool = False


class MessagePublic(BaseModel):
    """A message and where it stands."""

    id: str
    appointment_id: str | None
    person_id: str | None
    kind: str
    revision: int
    status: str
    due_at: datetime
    deferred: bool
    attempts: int
    reason: str | None
    provider: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    requested_by: str | None
    created_at: datetime
