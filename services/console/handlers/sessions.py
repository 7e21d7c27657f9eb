"""Signing in, staying signed in, and signing out: the session lives in the console's own
database; the browser holds only a random secret."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.console.domain.identity import ATTEMPT_LIFETIME, attempt_stands
from services.console.domain.sessions import session_id
from services.console.models import BrowserSession, SignInAttempt

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
    expires_at: datetime | None = None,
    id_token: str | None = None,
) -> str:
    """Open a session (ending at `expires_at`, its token's expiry); returns the secret the
    browser keeps in its cookie."""
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
            expires_at=expires_at,
            id_token=id_token,
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
    found.id_token = None


async def begin_attempt(
    session: AsyncSession, *, state: str, nonce: str, code_verifier: str, now: datetime
) -> str:
    """Keep a sign-in sent to the provider; returns the secret of the browser that sent it."""
    browser = secrets.token_urlsafe(32)
    session.add(
        SignInAttempt(
            id=session_id(state),
            browser=session_id(browser),
            nonce=nonce,
            code_verifier=code_verifier,
            started_at=now,
        )
    )
    return browser


async def take_attempt(
    session: AsyncSession, *, state: str, browser: str | None, now: datetime
) -> SignInAttempt | None:
    """The attempt this state names, used up: None when unknown, used, stale or started by
    another browser."""
    found = await session.get(SignInAttempt, session_id(state))
    if found is None:
        return None
    await session.delete(found)
    fresh = attempt_stands(found.started_at, now)
    if not fresh or not browser or not secrets.compare_digest(found.browser, session_id(browser)):
        return None
    return found


async def forget_stale_attempts(session: AsyncSession, now: datetime) -> None:
    """Drop the attempts nobody came back for."""
    await session.execute(
        delete(SignInAttempt).where(col(SignInAttempt.started_at) < now - ATTEMPT_LIFETIME)
    )
