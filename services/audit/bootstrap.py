"""Wires audit's parts; nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

import httpx
import structlog
from sqlalchemy.engine import make_url

from services.audit.consumer import NAME, IngestOptions, ingestion
from services.audit.container import Audit
from services.audit.models import outbox_table
from services.audit.settings import AuditSettings
from shared.keystore import KeyStoreClient, service_token
from shared.runtime import build_runtime
from shared.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BATCH = 500

log = structlog.get_logger(__name__)


def bootstrap(
    settings: AuditSettings | None = None, *, key_store_http: httpx.AsyncClient | None = None
) -> Audit:
    """Build audit from its settings (read from the environment when not given)."""
    settings = settings or load_settings(AuditSettings)
    runtime = build_runtime("audit", settings, outbox_table, MIGRATIONS)
    http = key_store_http or httpx.AsyncClient(
        base_url=settings.key_store.url, timeout=settings.key_store.timeout_seconds
    )
    token = service_token("audit", settings.key_store, settings.auth.jwt_secret)
    keys = settings.public_keys()
    for source in (source for source, known in keys.items() if not known):
        # its checkpoints will each be a break: say why at start, not only then
        log.warning("audit.no_checkpoint_keys", source=source)
    audit = Audit(
        runtime=runtime,
        keys=KeyStoreClient(http, token, cache_seconds=settings.key_store.cache_seconds),
        topics={source: settings.topic_of(source) for source in settings.sources},
        checkpoint_keys=keys,
    )
    options = IngestOptions(
        bootstrap=settings.kafka_bootstrap_servers,
        group=NAME + settings.consumer_group_suffix,
        batch_size=_batch_size(settings),
        wait_ms=settings.ingest_wait_ms,
        gap_grace=settings.gap_grace_seconds,
        partitions=settings.topic_partitions,
        replication_factor=settings.topic_replication_factor,
    )
    runtime.jobs.append(ingestion(audit, options))
    return audit


def _batch_size(settings: AuditSettings) -> int:
    # SQLite has one write lock: a long batch would keep auditors' requests waiting behind it
    if make_url(settings.database_url).get_backend_name() == "sqlite":
        return min(settings.ingest_batch_size, SQLITE_BATCH)
    return settings.ingest_batch_size
