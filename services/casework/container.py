"""Casework's container: what its use cases may receive. Nothing is wired here."""

from __future__ import annotations

from dataclasses import dataclass

from services.casework.domain.deadlines import RuleBook
from services.casework.domain.procedures import Catalogue
from shared.keystore import KeyStoreClient
from shared.service import ServiceContainer


@dataclass(kw_only=True)
class Casework(ServiceContainer):
    """The runtime and clock, the procedures and deadline rules, and intake's key store."""

    procedures: Catalogue
    rules: RuleBook
    keys: KeyStoreClient
    horizons: tuple[int, ...] = (7, 2)
    scan_interval: float = 60.0

    async def close(self) -> None:
        """Release the key store's connections, then the runtime."""
        await self.keys.close()
        await self.runtime.close()
