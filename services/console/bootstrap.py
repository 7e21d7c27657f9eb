"""Wires the console's parts; nothing is created at import time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx

from services.console.api import menu
from services.console.container import Console
from services.console.domain.sessions import Lifetime
from services.console.queries.identity import IdentityProvider
from services.console.queries.services import Services
from services.console.rendering import Pages
from services.console.settings import LOCALES, ConsoleSettings
from shared.clock import Clock
from shared.db import create_engine, session_factory
from shared.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(
    settings: ConsoleSettings | None = None,
    *,
    clients: dict[str, httpx.AsyncClient] | None = None,
) -> Console:
    """Build the console from its settings (read from the environment when not given)."""
    settings = settings or load_settings(ConsoleSettings)
    engine = create_engine(settings.database_url)
    timeout = settings.service_timeout_seconds
    urls = {
        "intake": settings.intake_url,
        "casework": settings.casework_url,
        "notifications": settings.notifications_url,
        "housing": settings.housing_url,
        "audit": settings.audit_url,
    }
    return Console(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        migrations=MIGRATIONS,
        services=Services(
            clients
            or {
                name: httpx.AsyncClient(base_url=url, timeout=timeout) for name, url in urls.items()
            }
        ),
        pages=Pages(LOCALES, menu),
        lifetime=Lifetime(
            idle=timedelta(minutes=settings.idle_minutes),
            longest=timedelta(hours=settings.max_hours),
        ),
        clock=Clock(),
        identity=IdentityProvider(settings.oidc) if settings.oidc else None,
    )
