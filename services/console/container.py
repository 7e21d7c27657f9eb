"""The console's container: what its pages may receive. Nothing is wired here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from services.console.domain.sessions import Lifetime
from services.console.queries.identity import IdentityProvider
from services.console.queries.services import Services
from services.console.rendering import Pages
from services.console.settings import ConsoleSettings
from shared.clock import Clock
from shared.db import SessionFactory


@dataclass(kw_only=True)
class Console:
    """Its database, the services it asks, its pages in every language, and its clock."""

    settings: ConsoleSettings
    engine: AsyncEngine
    sessions: SessionFactory
    migrations: Path
    services: Services
    pages: Pages
    lifetime: Lifetime
    clock: Clock
    identity: IdentityProvider | None = None
    """The organisation's identity provider, when sign-in through it is configured."""

    async def close(self) -> None:
        """Release the services' connections and the database pool."""
        await self.services.close()
        await self.engine.dispose()
