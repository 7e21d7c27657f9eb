"""Intake's settings, read once at start from `INTAKE_*` variables."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    """Intake also holds the master key that wraps every person's data key."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_")

    database_url: str = "sqlite+aiosqlite:///.local/data/intake.db"
    api_port: int = 8001
    master_key: SecretStr
    key_clients: list[str] = ["notifications", "casework", "housing"]
    """Services (token `sub` = `service:<name>`, role `service`) that may fetch a person's key."""
