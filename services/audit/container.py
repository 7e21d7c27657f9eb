"""Audit's container: what its use cases may receive. Nothing is wired here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.keystore import KeyStoreClient
from shared.service import ServiceContainer


@dataclass(kw_only=True)
class Audit(ServiceContainer):
    """The runtime and clock, the chains it keeps (source -> topic) and their checkpoint
    public keys, and intake's key store (to read names while a person's key exists)."""

    keys: KeyStoreClient
    topics: Mapping[str, str]
    """Each source's topic."""
    checkpoint_keys: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Each source's checkpoint public keys, by key id."""

    @property
    def sources(self) -> list[str]:
        """The services whose chains audit keeps."""
        return list(self.topics)

    async def close(self) -> None:
        """Release the key store's connections, then the runtime."""
        await self.keys.close()
        await self.runtime.close()
