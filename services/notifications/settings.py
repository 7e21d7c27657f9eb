"""Notifications' settings, read once at start from `NOTIFICATIONS_*` variables."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Notifications' own database and API port."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    database_url: str = "sqlite+aiosqlite:///.local/data/notifications.db"
    api_port: int = 8004
