"""Casework's settings, read once at start from `CASEWORK_*` variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.keystore import KeyStoreSettings
from shared.settings import ServiceSettings, secret_value

RULES = Path(__file__).parent / "rules"


class CaseworkSettings(ServiceSettings):
    """Casework's database and port, its rule data, and intake's key store."""

    model_config = SettingsConfigDict(env_prefix="CASEWORK_")

    database_url: str = "sqlite+aiosqlite:///.local/data/casework.db"
    api_port: int = 8002
    procedures_file: Path = RULES / "procedures.toml"
    deadline_rules_file: Path = RULES / "deadlines.toml"
    deadline_horizons: list[int] = Field(
        default=[7, 2], description="days before a deadline when `deadline_approaching` is sent"
    )
    deadline_scan_interval: float = Field(default=60.0, gt=0)
    key_store: KeyStoreSettings = Field(default_factory=KeyStoreSettings)

    def secrets_in_use(self) -> dict[str, str]:
        """The shared secrets, and the key store's service token when one is configured."""
        token = secret_value(self.key_store.token)
        return {**super().secrets_in_use(), **({"KEY_STORE__TOKEN": token} if token else {})}
