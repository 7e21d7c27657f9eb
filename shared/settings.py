"""Service settings: one pydantic-settings class per service, each with its own env prefix."""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.auth import AuthSettings


class ServiceSettings(BaseSettings):
    """What every service reads once at start; subclasses set `env_prefix` (e.g. `INTAKE_`)."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore", frozen=True)

    database_url: str = Field(description="SQLAlchemy async URL (postgresql+asyncpg or sqlite)")
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    log_level: str = "INFO"
    log_json: bool | None = None
    relay_batch_size: int = Field(default=1000, gt=0)
    relay_poll_interval: float = Field(default=0.5, gt=0)
    topic_partitions: int = Field(default=6, gt=0)
    topic_replication_factor: int = Field(
        default=1, gt=0, description="1 on a single local broker; 3 on a production cluster"
    )
    auth: AuthSettings = Field(default_factory=AuthSettings)
    consumer_group_suffix: str = Field(
        default="",
        description="rebuilds: new consumer groups (and inbox names) read topics from the start",
    )

    @model_validator(mode="after")
    def _auth_is_configured(self) -> ServiceSettings:
        if self.auth.jwt_secret is None and self.auth.jwks_url is None:
            prefix = self.model_config.get("env_prefix", "")
            raise ValueError(
                f"no token verification configured: set {prefix}AUTH__JWT_SECRET "
                f"(development) or {prefix}AUTH__JWKS_URL (OIDC)"
            )
        return self


S = TypeVar("S", bound=ServiceSettings)


def load_settings(cls: type[S]) -> S:
    """Read settings from the environment once; exit with a readable message when invalid."""
    try:
        return cls()
    except ValidationError as exc:
        prefix = str(cls.model_config.get("env_prefix", ""))
        problems = "; ".join(
            f"{prefix}{'__'.join(map(str, e['loc'])).upper() or '?'}: {e['msg']}"
            for e in exc.errors()
        )  # messages only: the values may be secrets
        raise SystemExit(f"invalid settings: {problems}") from None
