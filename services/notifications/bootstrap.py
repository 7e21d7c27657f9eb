"""Wires notifications' parts; nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

from services.notifications.consumer import contacts_consumer
from services.notifications.models import outbox_table
from services.notifications.settings import NotificationsSettings
from shared.consumer import ConsumerRunner
from shared.events.catalog import default_registry
from shared.runtime import Runtime, build_runtime
from shared.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: NotificationsSettings | None = None) -> Runtime:
    """Build notifications from its settings (read from the environment when not given)."""
    settings = settings or load_settings(NotificationsSettings)
    runtime = build_runtime("notifications", settings, outbox_table, MIGRATIONS)
    runtime.consumers.append(
        ConsumerRunner(
            contacts_consumer(),
            default_registry(),
            runtime.sessions,
            settings.kafka_bootstrap_servers,
        )
    )
    return runtime
