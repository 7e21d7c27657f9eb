"""Wires casework's parts; nothing is created at import time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from services.casework.consumer import intake_consumer
from services.casework.domain.deadlines import RuleBook
from services.casework.domain.procedures import Catalogue
from services.casework.models import outbox_table
from services.casework.settings import CaseworkSettings
from shared.auth import Principal
from shared.consumer import ConsumerRunner
from shared.events.catalog import default_registry
from shared.keystore import KeyStoreClient, service_token
from shared.outbox import Metadata
from shared.runtime import Runtime, build_runtime
from shared.settings import load_settings
from shared.uow import UnitOfWork
from shared.web import current_correlation_id

MIGRATIONS = Path(__file__).parent / "migrations"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Casework:
    """Casework's container: the runtime, its rule data, the key store, and the clock."""

    runtime: Runtime
    procedures: Catalogue
    rules: RuleBook
    keys: KeyStoreClient
    horizons: tuple[int, ...] = (7, 2)
    scan_interval: float = 60.0
    clock: Callable[[], datetime] = field(default=_utc_now)

    def unit_of_work(self, principal: Principal) -> UnitOfWork:
        """A transaction whose events carry who acted and the request's correlation id."""
        meta = Metadata(
            actor=principal.user_id, actororg=principal.org, correlationid=current_correlation_id()
        )
        return UnitOfWork(
            self.runtime.sessions, self.runtime.outbox, meta, on_commit=self.runtime.relay.wake
        )

    async def close(self) -> None:
        """Release the key store's connections, then the runtime."""
        await self.keys.close()
        await self.runtime.close()


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
    runtime.consumers.append(
        ConsumerRunner(
            intake_consumer(casework),
            default_registry(),
            runtime.sessions,
            settings.kafka_bootstrap_servers,
            outbox=runtime.outbox,
            on_commit=runtime.relay.wake,
        )
    )
    return casework
