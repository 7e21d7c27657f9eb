"""Housing's settings, read once at start from `HOUSING_*` variables."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.keystore import KeyStoreSettings
from shared.settings import ServiceSettings, secret_value

RULES = Path(__file__).parent / "rules"
DEV_INDEX_KEY = "passerelle-dev-only-housing-index-key"


class HousingSettings(ServiceSettings):
    """Housing's database and port, the centre's operator and the centre's plan."""

    model_config = SettingsConfigDict(env_prefix="HOUSING_")

    database_url: str = "sqlite+aiosqlite:///.local/data/housing.db"
    api_port: int = 8005
    operator: str = Field(
        default="city-montreuil",
        pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$",
        description="the organisation that runs the centre: its staff manage sites and beds",
    )
    plan_file: Path = Field(
        default=RULES / "centre.toml",
        description="the building's plan, loaded into the database at first start",
    )
    priority_rules_file: Path = Field(
        default=RULES / "priority.toml", description="the waiting list's priority rule book"
    )
    key_store: KeyStoreSettings = Field(default_factory=KeyStoreSettings)
    hold_minutes: int = Field(
        default=90, ge=5, le=24 * 60, description="how long a caseworker's hold on a bed lasts"
    )
    offer_deadline: time = Field(
        default=time(20, 0),
        description="an offer not taken up by this hour of its first night expires",
    )
    report_hour: time = Field(
        default=time(9, 0),
        description="a night's figures are as recorded by this hour of the morning after",
    )
    centre_timezone: str = Field(
        default="Europe/Paris", description="the centre's time zone: its nights and deadlines"
    )
    expiry_scan_seconds: float = Field(
        default=60.0, gt=0, description="how often the worker expires offers and lapsed holds"
    )
    renewal_scan_seconds: float = Field(
        default=900.0, gt=0, description="how often the worker looks for renewal reminders"
    )
    index_key: SecretStr = Field(
        default=SecretStr(DEV_INDEX_KEY),
        min_length=16,
        description="keys the hash that finds a social housing application's number (HMAC)",
    )
    development_secrets: ClassVar[frozenset[str]] = ServiceSettings.development_secrets | {
        DEV_INDEX_KEY
    }

    @field_validator("centre_timezone")
    @classmethod
    def _iana_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{zone!r} is not an IANA time zone") from None
        return zone

    def secrets_in_use(self) -> dict[str, str]:
        """The shared secrets, the index key, and the key store's service token if set."""
        token = secret_value(self.key_store.token)
        own = {"INDEX_KEY": self.index_key.get_secret_value()}
        return {**super().secrets_in_use(), **own, **({"KEY_STORE__TOKEN": token} if token else {})}
