"""Notifications' response models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ContactPublic(BaseModel):
    """A contact as the notifications service knows it (no name in clear)."""

    person_id: str
    organisation_id: str
    preferred_language: str
    registered_at: datetime
