"""Wires intake's parts; nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

from services.intake.consumer import referral_answers_consumer
from services.intake.container import Intake
from services.intake.domain.search_keys import Blinder
from services.intake.models import outbox_table
from services.intake.queries.keys import KeyStore
from services.intake.settings import IntakeSettings
from shared.crypto import MasterKey
from shared.runtime import build_runtime
from shared.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: IntakeSettings | None = None) -> Intake:
    """Build intake from its settings (read from the environment when not given)."""
    settings = settings or load_settings(IntakeSettings)
    runtime = build_runtime("intake", settings, outbox_table, MIGRATIONS)
    master = MasterKey.from_b64(settings.master_key.get_secret_value())
    keys = KeyStore(master, Blinder(settings.index_key.get_secret_value().encode()))
    runtime.add_consumer(referral_answers_consumer(keys))
    return Intake(runtime=runtime, keys=keys, key_clients=frozenset(settings.key_clients))
