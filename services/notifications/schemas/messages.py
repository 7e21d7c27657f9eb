"""Messages and where they stand (never their text or number)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


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
