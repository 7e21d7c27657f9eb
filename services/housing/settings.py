"""Housing's settings, read once at start from `HOUSING_*` variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

RULES = Path(__file__).parent / "rules"


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
