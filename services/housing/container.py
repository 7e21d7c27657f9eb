"""Housing's container: what its use cases may receive. Nothing is wired here."""

from __future__ import annotations

from dataclasses import dataclass

from services.housing.domain.plan import Plan
from services.housing.domain.priority import RuleBook
from services.housing.settings import HousingSettings
from shared.keystore import KeyStoreClient
from shared.service import ServiceContainer


@dataclass(kw_only=True)
class Housing(ServiceContainer):
    """The runtime and clock, the centre's plan and its operating organisation, the waiting
    list's priority rule book, and intake's key store."""

    plan: Plan
    operator: str
    priority: RuleBook
    keys: KeyStoreClient
    index_key: bytes = b""  # keys the hash that finds an application's number

    @property
    def settings(self) -> HousingSettings:
        """The settings housing runs with: hold length, offers' hour, the centre's time zone."""
        settings = self.runtime.settings
        if not isinstance(settings, HousingSettings):
            raise TypeError("housing runs with HousingSettings")
        return settings

    async def close(self) -> None:
        """Release the key store's connections, then the runtime."""
        await self.keys.close()
        await self.runtime.close()
