"""Audit's settings, read once at start from `AUDIT_*` variables."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.checkpoints import BadKey, SigningKey, development_key, public_key
from shared.keystore import KeyStoreSettings
from shared.settings import ServiceSettings, secret_value

SOURCES = ["intake", "casework", "notifications", "housing"]


class AuditSettings(ServiceSettings):
    """Audit's database and port, the services it reads and their checkpoint public keys."""

    model_config = SettingsConfigDict(env_prefix="AUDIT_")

    database_url: str = "sqlite+aiosqlite:///.local/data/audit.db"
    api_port: int = 8006
    sources: list[str] = Field(
        default_factory=lambda: list(SOURCES), description="the services whose chains are kept"
    )
    topics: dict[str, str] = Field(
        default_factory=dict,
        description="source -> topic, where it is not `<topic_prefix><source>.events` (migrations)",
    )
    checkpoint_keys: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="source -> key id -> base64 Ed25519 public key of its checkpoints",
    )
    ingest_batch_size: int = Field(
        default=5000, gt=0, description="records stored and verified per transaction"
    )
    ingest_wait_ms: int = Field(default=500, gt=0, description="longest wait for a batch")
    gap_grace_seconds: float = Field(
        default=10.0,
        ge=0,
        description="a missing sequence is a gap once every partition is read and the events "
        "after it waited this long (a relay may still be writing the other partitions)",
    )
    key_store: KeyStoreSettings = Field(default_factory=KeyStoreSettings)

    @field_validator("checkpoint_keys")
    @classmethod
    def _public_keys(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for source, keys in value.items():
            for key_id, public in keys.items():
                try:
                    public_key(public)
                except BadKey as exc:
                    raise ValueError(
                        f"{source} {key_id}: not an Ed25519 public key: {exc}"
                    ) from None
        return value

    def topic_of(self, source: str) -> str:
        """The topic `source` publishes on."""
        return self.topics.get(source, f"{self.topic_prefix}{source}.events")

    def public_keys(self) -> dict[str, dict[str, str]]:
        """Each source's checkpoint public keys by key id; in development, a source without
        keys configured gets its development key's (`<source>-dev`, made once if missing in
        `checkpoint.dev_key_dir`, the folder where the services make theirs)."""
        keys = {source: dict(self.checkpoint_keys.get(source, {})) for source in self.sources}
        if self.development:
            for source, known in keys.items():
                if not known:
                    private = development_key(self.checkpoint.dev_key_dir, source)
                    key = SigningKey.from_base64(f"{source}-dev", private)
                    known[key.key_id] = key.public_base64
        return keys

    def secrets_in_use(self) -> dict[str, str]:
        """The shared secrets, and the key store's service token when one is configured."""
        token = secret_value(self.key_store.token)
        return {**super().secrets_in_use(), **({"KEY_STORE__TOKEN": token} if token else {})}
