"""Intake's settings, read once at start from `INTAKE_*` variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DEV_INDEX_KEY = "passerelle-dev-only-index-key"


class IntakeSettings(ServiceSettings):
    """Intake also holds the master key that wraps every person's data key."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_")

    database_url: str = "sqlite+aiosqlite:///.local/data/intake.db"
    api_port: int = 8001
    master_key: SecretStr
    key_clients: list[str] = ["notifications", "casework", "housing", "audit"]
    """Services (token `sub` = `service:<name>`, role `service`) that may fetch a person's key."""
    index_key: SecretStr = Field(default=SecretStr(DEV_INDEX_KEY), min_length=16)
    """Keys the blind indexes that find persons by name and phone (HMAC); kept apart from the
    database, like the master key. Changing it needs `python -m services.intake reindex --all`."""
    development_secrets: ClassVar[frozenset[str]] = ServiceSettings.development_secrets | {
        DEV_INDEX_KEY
    }

    def secrets_in_use(self) -> dict[str, str]:
        """The shared secrets, the master key and the index key."""
        return {
            **super().secrets_in_use(),
            "MASTER_KEY": self.master_key.get_secret_value(),
            "INDEX_KEY": self.index_key.get_secret_value(),
        }
