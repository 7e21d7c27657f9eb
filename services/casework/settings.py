"""Casework's settings, read once at start from `CASEWORK_*` variables."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class CaseworkSettings(ServiceSettings):
    """Casework's own database and API port."""

    model_config = SettingsConfigDict(env_prefix="CASEWORK_")

    database_url: str = "sqlite+aiosqlite:///.local/data/casework.db"
    api_port: int = 8002
