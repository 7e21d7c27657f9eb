"""Signing in, staying signed in, and signing out: the session lives in the console's own
database; the browser holds only a random secret."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.console.domain.sessions import session_id
from services.console.models import BrowserSession

TOUCH_EVERY = timedelta(seconds=60)
"""A request moves `last_seen_at` only when it is older than this: one write a minute."""


async def start(
    session: AsyncSession,
    *,
    user_id: str,
    organisation_id: str,
    roles: list[str],
    access_token: str,
    locale: str,
    now: datetime,
) -> str:
    """Open a session; returns the secret the browser keeps in its cookie."""
    secret = secrets.token_urlsafe(32)
    session.add(
        BrowserSession(
            id=session_id(secret),
            user_id=user_id,
            organisation_id=organisation_id,
            roles=" ".join(sorted(roles)),
            access_token=access_token,
            csrf_token=secrets.token_urlsafe(32),
            locale=locale,
            started_at=now,
            last_seen_at=now,
        )
    )
    return secret


def touch(found: BrowserSession, now: datetime) -> bool:
    """Note that the session is in use; True when the row changed."""
    if now - found.last_seen_at < TOUCH_EVERY:
        return False
    found.last_seen_at = now
    return True


def end(found: BrowserSession, now: datetime) -> None:
    """Sign out: the session opens nothing from now on."""
    found.ended_at = now
    found.access_token = ""
