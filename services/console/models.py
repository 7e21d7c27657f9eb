"""The console's own tables: the signed-in sessions and the sign-ins under way (nothing about
persons is kept here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import instant


class ConsoleModel(SQLModel, registry=registry()):
    """The base of the console's tables, in a registry of their own."""


class BrowserSession(ConsoleModel, table=True):
    """A signed-in user's session; the cookie holds a secret whose hash is the id."""

    __tablename__ = "browser_sessions"

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=128)
    organisation_id: str = Field(max_length=64)
    roles: str = Field(max_length=256, description="space-separated")
    access_token: str = Field(description="the bearer token the services accept for this user")
    csrf_token: str = Field(max_length=64)
    locale: str = Field(max_length=8)
    started_at: datetime = instant()
    last_seen_at: datetime = instant()
    ended_at: datetime | None = instant(nullable=True)
    expires_at: datetime | None = instant(nullable=True)
    """When its access token expires: the session ends then (None: sessions from before)."""
    id_token: str | None = Field(
        default=None, description="the provider's ID token, the hint of its sign-out"
    )


class SignInAttempt(ConsoleModel, table=True):
    """A sign-in sent to the identity provider and not back yet: single use, short-lived."""

    __tablename__ = "sign_in_attempts"

    id: str = Field(primary_key=True, max_length=64, description="the hash of its `state`")
    browser: str = Field(max_length=64, description="the hash of the browser's attempt cookie")
    nonce: str = Field(max_length=128)
    code_verifier: str = Field(max_length=128)
    started_at: datetime = instant(index=True)


metadata = ConsoleModel.metadata
