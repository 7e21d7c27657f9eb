"""Contacts as notifications knows them."""

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
