"""Notifications' settings, read once at start from `NOTIFICATIONS_*` variables."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.keystore import KeyStoreSettings
from shared.settings import ServiceSettings


class TwilioSettings(BaseModel):
    """An HTTP provider with a Twilio-compatible Messages API (the local fake by default)."""

    base_url: str = "http://127.0.0.1:8090"
    account_sid: str = "AC0000000000local"
    auth_token: SecretStr = SecretStr("local-fake-sms-token-change-me")
    sender: str = "Passerelle"
    lookup: bool = Field(
        default=True, description="the provider finds a message by our reference (the fake does)"
    )
    timeout_seconds: float = Field(default=10.0, gt=0)


class SmppSettings(BaseModel):
    """An operator's SMSC, over SMPP."""

    host: str = "127.0.0.1"
    port: int = 2775
    system_id: str = "passerelle"
    password: SecretStr = SecretStr("")
    source_addr: str = "Passerelle"


class NotificationsSettings(ServiceSettings):
    """Notifications' database and port, its SMS provider, and its reminder policy."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    database_url: str = "sqlite+aiosqlite:///.local/data/notifications.db"
    api_port: int = 8004
    public_url: str = Field(
        default="http://127.0.0.1:8004", description="where the provider posts status callbacks"
    )
    secret_key: SecretStr = Field(
        description="base64 of 32 random bytes: hashes phone numbers, seals answers to numbers"
    )
    provider: Literal["twilio", "smpp", "file"] = "file"
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    smpp: SmppSettings = Field(default_factory=SmppSettings)
    file_path: Path = Path(".local/sms/messages.jsonl")
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    reminder_hours: dict[str, list[float]] = Field(
        default_factory=dict,
        description="hours before the appointment, per kind (default: 48 and 2)",
    )
    send_cancellation_notice: bool = True
    contact_phones: dict[str, str] = Field(
        default_factory=dict, description="organisation id -> the number a person may call"
    )
    default_contact_phone: str = "+33 1 00 00 00 00"
    max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=30.0, gt=0)
    send_interval: float = Field(default=1.0, gt=0)
    lease_seconds: float = Field(default=120.0, gt=0)
    clock_start: datetime | None = Field(
        default=None, description="demos and tests: the clock starts here and runs at real speed"
    )
    key_store: KeyStoreSettings = Field(default_factory=KeyStoreSettings)
