"""Service settings: one pydantic-settings class per service, each with its own env prefix."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.outbox import DEFAULT_MAX_EVENT_BYTES

# Every secret written in this repository: the code's development defaults and the
# placeholders docker-compose.yml falls back to. They are public, so they protect nothing.
DEVELOPMENT_SECRETS: frozenset[str] = frozenset(
    {
        DEV_JWT_SECRET,
        "dev-only-insecure-jwt-secret-change-me-0123456789",
        "f7AnM5qwLwSL/BKQTMmlUOeSUZdMrQnrbrC+mH4utyQ=",
        "Jr1vQ9m5XH0m2yY8Q3Qf0m6yJb7Qn1o0t4sVw2bH9kA=",
        "passerelle-dev-only",
    }
)
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class ServiceSettings(BaseSettings):
    """What every service reads once at start; subclasses set `env_prefix` (e.g. `INTAKE_`)."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore", frozen=True)
    development_secrets: ClassVar[frozenset[str]] = DEVELOPMENT_SECRETS
    """Secret values this service refuses outside development mode (subclasses add theirs)."""

    development: bool = Field(
        default=False,
        description="a developer's machine: allows the secrets published in the repository",
    )
    database_url: str = Field(description="SQLAlchemy async URL (postgresql+asyncpg or sqlite)")
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    log_level: str = "INFO"
    log_json: bool | None = None
    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY_BYTES, gt=0, description="larger request bodies get a 413"
    )
    body_limits: dict[str, int] = Field(
        default_factory=dict,
        description="path prefix -> largest body in bytes there (the longest prefix wins)",
    )
    max_event_bytes: int = Field(
        default=DEFAULT_MAX_EVENT_BYTES,
        gt=0,
        description="largest serialised event appended to the outbox (the broker takes ~1 MB)",
    )
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

    @model_validator(mode="after")
    def _no_development_secret_outside_development(self) -> ServiceSettings:
        if self.development:
            return self
        prefix = self.model_config.get("env_prefix", "")
        published = sorted(
            prefix + name
            for name, value in self.secrets_in_use().items()
            if value in self.development_secrets
        )
        if published:
            raise ValueError(
                f"{', '.join(published)}: a development default secret, published in the "
                f"repository; set a secret of your own, or {prefix}DEVELOPMENT=true on a "
                "developer's machine"
            )
        return self

    def secrets_in_use(self) -> dict[str, str]:
        """The secrets this service will use, by setting name (without the env prefix)."""
        secrets = {"DATABASE_URL": _password(self.database_url)}
        if self.auth.jwt_secret is not None:
            secrets["AUTH__JWT_SECRET"] = self.auth.jwt_secret.get_secret_value()
        return {name: value for name, value in secrets.items() if value}


def secret_value(secret: SecretStr | None) -> str:
    """The value of an optional secret, or the empty string when unset."""
    return secret.get_secret_value() if secret is not None else ""


def _password(database_url: str) -> str:
    try:
        return make_url(database_url).password or ""
    except ArgumentError:
        return ""  # not a URL: the engine will say so when the service starts


S = TypeVar("S", bound=ServiceSettings)


def load_settings(cls: type[S]) -> S:
    """Read settings from the environment once; exit with a readable message when invalid."""
    try:
        return cls()
    except ValidationError as exc:
        prefix = str(cls.model_config.get("env_prefix", ""))
        problems = "; ".join(_problem(prefix, e["loc"], e["msg"]) for e in exc.errors())
        # messages only: the values may be secrets
        raise SystemExit(f"invalid settings: {problems}") from None


def _problem(prefix: str, loc: tuple[int | str, ...], msg: str) -> str:
    msg = msg.removeprefix("Value error, ")
    if not loc:  # a rule on the whole settings: its message names the settings
        return msg
    return f"{prefix}{'__'.join(map(str, loc)).upper()}: {msg}"
