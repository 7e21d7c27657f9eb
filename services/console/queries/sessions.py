"""The session a request's cookie names, if it still stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.console.domain.sessions import Lifetime, session_id
from services.console.models import BrowserSession


async def current(
    session: AsyncSession, secret: str | None, lifetime: Lifetime, now: datetime
) -> BrowserSession | None:
    """The standing session of this cookie; None when absent, ended or expired."""
    if not secret:
        return None
    found = await session.get(BrowserSession, session_id(secret))
    if found is None or found.ended_at is not None:
        return None
    if not lifetime.stands(found.started_at, found.last_seen_at, now, found.expires_at):
        return None
    return found
