"""The console's settings, read once at start from `CONSOLE_*` variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

LOCALES = ("fr", "en", "ar")


class DevUser(BaseModel):
    """A user the development sign-in page offers (never shown outside development)."""

    user_id: str
    organisation_id: str
    roles: list[str]


DEMO_USERS = [
    DevUser(user_id="city-desk", organisation_id="city-montreuil", roles=["intake", "caseworker"]),
    DevUser(user_id="city-coordinator", organisation_id="city-montreuil", roles=["coordinator"]),
    DevUser(user_id="x-caseworker", organisation_id="assoc-x", roles=["caseworker"]),
    DevUser(user_id="y-caseworker", organisation_id="assoc-y", roles=["caseworker"]),
    DevUser(user_id="city-auditor", organisation_id="city-inspection", roles=["auditor"]),
]
"""The city's desk and its coordinator (erasure, art. 15 exports; coordinators see across
organisations), a caseworker of each partner association, and an auditor of the city's
inspection (the history of every service, read-only)."""


class OidcSettings(BaseModel):
    """The organisation's identity provider (OpenID Connect, authorization code with PKCE)."""

    issuer: str = Field(description="discovery at <issuer>/.well-known/openid-configuration")
    client_id: str
    client_secret: SecretStr | None = Field(default=None, description="none: a public client")
    scopes: str = "openid profile email"
    public_url: str = Field(
        description="the console's address; the provider returns to <public_url>/signin/callback"
    )
    name: str = Field(default="", description="shown on the button: 'Sign in with <name>'")
    organisation_claim: str = Field(default="org", description="dotted path in the ID token")
    roles_claim: str = Field(default="roles", description="a list, or space-separated")
    timeout_seconds: float = Field(default=10.0, gt=0)


class ConsoleSettings(ServiceSettings):
    """Where the console answers, where the services are, and how long a session lasts."""

    model_config = SettingsConfigDict(env_prefix="CONSOLE_", env_nested_delimiter="__")
    signs_checkpoints: ClassVar[bool] = False  # the console keeps no event log

    database_url: str = "sqlite+aiosqlite:///.local/data/console.db"
    api_port: int = 8000
    intake_url: str = "http://127.0.0.1:8001"
    casework_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8004"
    housing_url: str = "http://127.0.0.1:8005"
    audit_url: str = "http://127.0.0.1:8006"
    service_timeout_seconds: float = Field(default=5.0, gt=0)
    idle_minutes: int = Field(default=30, gt=0, description="a session ends after this idleness")
    max_hours: int = Field(default=12, gt=0, description="and after this long in any case")
    default_locale: str = Field(default="fr", pattern="^(fr|en|ar)$")
    dev_users: list[DevUser] = Field(default_factory=lambda: list(DEMO_USERS))
    oidc: OidcSettings | None = Field(default=None, description="sign-in in production")
    secure_cookies: bool | None = Field(
        default=None, description="Secure cookies; by default on, except on localhost"
    )
