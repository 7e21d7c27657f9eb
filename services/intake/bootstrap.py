"""Wires intake's parts; nothing is created at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.intake.consumer import referral_answers_consumer
from services.intake.keys import KeyStore
from services.intake.models import outbox_table
from services.intake.search_keys import Blinder
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.consumer import ConsumerRunner
from shared.crypto import MasterKey
from shared.events.catalog import default_registry
from shared.outbox import Metadata
from shared.runtime import Runtime, build_runtime
from shared.settings import load_settings
from shared.uow import UnitOfWork
from shared.web import current_correlation_id

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class Intake:
    """Intake's container: the shared runtime, the key store and who may fetch keys from it."""

    runtime: Runtime
    keys: KeyStore
    key_clients: frozenset[str] = frozenset()

    def unit_of_work(self, principal: Principal) -> UnitOfWork:
        """A transaction whose events carry who acted and the request's correlation id."""
        meta = Metadata(
            actor=principal.user_id, actororg=principal.org, correlationid=current_correlation_id()
        )
        return UnitOfWork(
            self.runtime.sessions, self.runtime.outbox, meta, on_commit=self.runtime.relay.wake
        )


def bootstrap(settings: IntakeSettings | None = None) -> Intake:
    """Build intake from its settings (read from the environment when not given)."""
    settings = settings or load_settings(IntakeSettings)
    runtime = build_runtime("intake", settings, outbox_table, MIGRATIONS)
    master = MasterKey.from_b64(settings.master_key.get_secret_value())
    keys = KeyStore(master, Blinder(settings.index_key.get_secret_value().encode()))
    runtime.consumers.append(
        ConsumerRunner(
            referral_answers_consumer(keys),
            default_registry(),
            runtime.sessions,
            settings.kafka_bootstrap_servers,
            outbox=runtime.outbox,
            on_commit=runtime.relay.wake,
        )
    )
    return Intake(runtime=runtime, keys=keys, key_clients=frozenset(settings.key_clients))
