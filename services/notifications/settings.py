"""Notifications' settings, read once at start from `NOTIFICATIONS_*` variables."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.keystore import KeyStoreSettings
from shared.settings import DEVELOPMENT_SECRETS, ServiceSettings, secret_value

DEV_SMS_TOKEN = "local-fake-sms-token-change-me"
"""The local fake provider's token (deploy/local/fake_sms.py): public, development only."""
WEBHOOKS_PREFIX = "/webhooks/"


class TwilioSettings(BaseModel):
    """An HTTP provider with a Twilio-compatible Messages API (the local fake by default)."""

    base_url: str = "http://127.0.0.1:8090"
    account_sid: str = "AC0000000000local"
    auth_token: SecretStr = SecretStr(DEV_SMS_TOKEN)
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
    development_secrets = DEVELOPMENT_SECRETS | {DEV_SMS_TOKEN}

    database_url: str = "sqlite+aiosqlite:///.local/data/notifications.db"
    api_port: int = 8004
    public_url: str = Field(
        default="http://127.0.0.1:8004", description="where the provider posts status callbacks"
    )
    secret_key: SecretStr = Field(
        description="base64 of 32 random bytes: hashes phone numbers, seals answers to numbers"
    )
    provider: Literal["twilio", "smpp", "file"] = "file"
    max_webhook_body_bytes: int = Field(
        default=64 * 1024, gt=0, description="the provider's callbacks are small forms"
    )
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

    @model_validator(mode="after")
    def _webhooks_have_a_token(self) -> NotificationsSettings:
        if self.provider == "twilio" and not self.twilio.auth_token.get_secret_value():
            raise ValueError(
                "NOTIFICATIONS_TWILIO__AUTH_TOKEN is empty: the provider's webhooks "
                "would trust anybody"
            )
        return self

    def secrets_in_use(self) -> dict[str, str]:
        """The shared secrets, notifications' own key and those of the provider in use."""
        secrets = {**super().secrets_in_use(), "SECRET_KEY": self.secret_key.get_secret_value()}
        if self.provider == "twilio":
            secrets["TWILIO__AUTH_TOKEN"] = self.twilio.auth_token.get_secret_value()
        if self.provider == "smpp":
            secrets["SMPP__PASSWORD"] = self.smpp.password.get_secret_value()
        if token := secret_value(self.key_store.token):
            secrets["KEY_STORE__TOKEN"] = token
        return {name: value for name, value in secrets.items() if value}

    def body_limits_with_webhooks(self) -> dict[str, int]:
        """The body limits by path prefix: the webhooks' own, unless configured otherwise."""
        return {WEBHOOKS_PREFIX: self.max_webhook_body_bytes, **self.body_limits}
