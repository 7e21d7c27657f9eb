"""Wires casework's parts; nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.casework.consumer import intake_consumer
from services.casework.container import Casework
from services.casework.domain.deadlines import RuleBook
from services.casework.domain.procedures import Catalogue
from services.casework.models import outbox_table
from services.casework.scheduler import deadline_watch
from services.casework.settings import CaseworkSettings
from shared.keystore import KeyStoreClient, service_token
from shared.runtime import build_runtime
from shared.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(
    settings: CaseworkSettings | None = None, *, key_store_http: httpx.AsyncClient | None = None
) -> Casework:
    """Build casework from its settings (read from the environment when not given)."""
    settings = settings or load_settings(CaseworkSettings)
    runtime = build_runtime("casework", settings, outbox_table, MIGRATIONS)
    http = key_store_http or httpx.AsyncClient(
        base_url=settings.key_store.url, timeout=settings.key_store.timeout_seconds
    )
    token = service_token("casework", settings.key_store, settings.auth.jwt_secret)
    casework = Casework(
        runtime=runtime,
        procedures=Catalogue.from_toml(settings.procedures_file.read_text(encoding="utf-8")),
        rules=RuleBook.from_toml(settings.deadline_rules_file.read_text(encoding="utf-8")),
        keys=KeyStoreClient(http, token, cache_seconds=settings.key_store.cache_seconds),
        horizons=tuple(sorted(set(settings.deadline_horizons), reverse=True)),
        scan_interval=settings.deadline_scan_interval,
    )
    runtime.add_consumer(intake_consumer(casework.keys))
    runtime.jobs.append(deadline_watch(casework, casework.scan_interval))
    return casework
