"""Service settings: one pydantic-settings class per service, each with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, TypeVar

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.checkpoints import BadKey, SigningKey, development_key, public_key
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
        # docker-compose.yml's checkpoint signing keys (intake, casework, notifications,
        # housing, audit)
        "neIJNV9FG03zXcChEkXwjyuAhe3ocSp/NT/xlmzIulk=",
        "UwlxoinrqigR6Sq0wjrm7zFa8eRJmzl0Uwft37gGya8=",
        "hOwHbh9XZgj7Emi0NbRKhJrLPNNtddFpDWniCg5KkYQ=",
        "G59xZdApcYyJJIbU2tul8EyNuPo8NudVwDNMErlSQB0=",
        "+nDKLI1hAeN+y8AqZYT3wNPyXHhFZ+Q5EskDzEOQ+3Q=",
    }
)
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class CheckpointSettings(BaseModel):
    """How the service signs its chain head: its Ed25519 key, how often, and its older keys."""

    signing_key: SecretStr | None = Field(
        default=None,
        description="base64 raw 32-byte Ed25519 private key; in development, made once under "
        "`dev_key_dir` when unset",
    )
    key_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="names the signing key, for rotation; `<service>-dev` in development",
    )
    every_events: int = Field(default=1000, gt=0, description="sign at least this often")
    every_seconds: float = Field(default=60.0, gt=0, description="and at least this often")
    poll_seconds: float = Field(
        default=1.0, gt=0, description="how often the worker counts the events since the last"
    )
    public_keys: dict[str, str] = Field(
        default_factory=dict,
        description="key id -> base64 public key: the service's earlier keys, to verify old "
        "checkpoints after a rotation (the signing key's public half is always known)",
    )
    dev_key_dir: Path = Field(
        default=Path(".local/keys"), description="where development keys are made once"
    )

    @field_validator("signing_key")
    @classmethod
    def _a_private_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                SigningKey.from_base64("check", value.get_secret_value())
            except BadKey as exc:  # the message never quotes the key
                raise ValueError(f"not a base64 raw Ed25519 private key: {exc}") from None
        return value

    @field_validator("public_keys")
    @classmethod
    def _public_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key_id, public in value.items():
            try:
                public_key(public)
            except BadKey as exc:
                raise ValueError(f"{key_id}: not a base64 raw Ed25519 public key: {exc}") from None
        return value

    def signing(self, service: str, *, development: bool) -> SigningKey:
        """The service's signing key: from settings, else (development) its local key."""
        key_id = self.key_id or f"{service}-dev"
        if self.signing_key is not None:
            return SigningKey.from_base64(key_id, self.signing_key.get_secret_value())
        if not development:
            raise ValueError(f"{service}: no checkpoint signing key outside development")
        return SigningKey.from_base64(key_id, development_key(self.dev_key_dir, service))

    def verifying(self, key: SigningKey) -> dict[str, str]:
        """Every public key of the service by id: the earlier ones and the signing key's."""
        return {**self.public_keys, key.key_id: key.public_base64}


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
    topic_prefix: str = Field(
        default="",
        max_length=64,
        description="put before every topic this service writes and reads: runs that share "
        "one broker (end-to-end tests) keep apart",
    )
    topic_replication_factor: int = Field(
        default=1, gt=0, description="1 on a single local broker; 3 on a production cluster"
    )
    auth: AuthSettings = Field(default_factory=AuthSettings)
    consumer_group_suffix: str = Field(
        default="",
        description="rebuilds: new consumer groups (and inbox names) read topics from the start",
    )
    checkpoint: CheckpointSettings = Field(default_factory=CheckpointSettings)
    signs_checkpoints: ClassVar[bool] = True
    """Whether this service keeps an event log, whose head it signs (the console keeps none)."""

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
        checkpoint = self.checkpoint
        if self.signs_checkpoints and (checkpoint.signing_key is None or not checkpoint.key_id):
            raise ValueError(
                f"{prefix}CHECKPOINT__SIGNING_KEY and {prefix}CHECKPOINT__KEY_ID: no key to sign "
                "the event log's checkpoints with; set a base64 Ed25519 private key of this "
                f"service's own and its id, or {prefix}DEVELOPMENT=true on a developer's machine"
            )
        return self

    def secrets_in_use(self) -> dict[str, str]:
        """The secrets this service will use, by setting name (without the env prefix)."""
        secrets = {"DATABASE_URL": _password(self.database_url)}
        if self.auth.jwt_secret is not None:
            secrets["AUTH__JWT_SECRET"] = self.auth.jwt_secret.get_secret_value()
        secrets["CHECKPOINT__SIGNING_KEY"] = secret_value(self.checkpoint.signing_key)
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
