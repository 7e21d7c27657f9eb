"""Wires casework's parts; nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

from services.casework.consumer import referrals_consumer
from services.casework.models import outbox_table
from services.casework.settings import CaseworkSettings
from shared.consumer import ConsumerRunner
from shared.events.catalog import default_registry
from shared.runtime import Runtime, build_runtime
from shared.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: CaseworkSettings | None = None) -> Runtime:
    """Build casework from its settings (read from the environment when not given)."""
    settings = settings or load_settings(CaseworkSettings)
    runtime = build_runtime("casework", settings, outbox_table, MIGRATIONS)
    runtime.consumers.append(
        ConsumerRunner(
            referrals_consumer(),
            default_registry(),
            runtime.sessions,
            settings.kafka_bootstrap_servers,
            outbox=runtime.outbox,
            on_commit=runtime.relay.wake,
        )
    )
    return runtime
