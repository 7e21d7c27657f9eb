"""The four services and audit in process on real databases (PostgreSQL or SQLite), their
consumers fed by hand and audit's store filled by its own ingestion, for the tests that sweep
every route of the OpenAPI: fuzzing and the authorisation matrix (the data they need is seeded
by api_seed)."""

from __future__ import annotations

import base64
import contextlib
import functools
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from services.audit.app import create_app as create_audit_app
from services.audit.bootstrap import bootstrap as bootstrap_audit
from services.audit.container import Audit
from services.audit.handlers.ingest import prepare, store_batch
from services.audit.settings import AuditSettings
from services.casework.app import create_app as create_casework_app
from services.casework.bootstrap import Casework
from services.casework.bootstrap import bootstrap as bootstrap_casework
from services.casework.settings import CaseworkSettings
from services.housing.app import create_app as create_housing_app
from services.housing.bootstrap import bootstrap as bootstrap_housing
from services.housing.bootstrap import load_centre
from services.housing.container import Housing
from services.housing.settings import HousingSettings
from services.intake.app import create_app as create_intake_app
from services.intake.bootstrap import Intake
from services.intake.bootstrap import bootstrap as bootstrap_intake
from services.intake.settings import IntakeSettings
from services.notifications.app import create_app as create_notifications_app
from services.notifications.bootstrap import Notifications
from services.notifications.bootstrap import bootstrap as bootstrap_notifications
from services.notifications.settings import NotificationsSettings, TwilioSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.consumer import ConsumerRunner
from shared.events.catalog import default_registry
from shared.kafka import IncomingRecord
from shared.migrations import upgrade
from shared.outbox import Metadata
from shared.runtime import Runtime
from tests.integration.conftest import hand_over, token
from tests.support.infra import fresh_database

SERVICES = ("intake", "casework", "notifications", "housing", "audit")
SOURCES = SERVICES[:-1]  # the services whose chains audit keeps
BACKENDS = ("postgresql", "sqlite")
OWNER, PARTNER = "city-montreuil", "assoc-la-cimade"  # the owner runs the housing centre
NAME = "Farid"  # the owner's person: never to be read in another organisation's answer
SECRET_NOTE = "Secret"  # the case's note: the same


def staff_of(org: str) -> dict[str, str]:
    """A member of staff of `org` with every role that stays inside it (all but coordinator)."""
    return token(org, "intake", "caseworker", "housing_officer", "admin", user="lea")


STAFF = staff_of(OWNER)
COORDINATOR = token(OWNER, "coordinator", user="chloe")


@dataclass(frozen=True)
class Databases:
    """One database URL per service."""

    intake: str
    casework: str
    notifications: str
    housing: str
    audit: str


@contextlib.contextmanager
def databases(backend: str, pg_server_url: str | None, tmp: Path) -> Iterator[Databases]:
    """Five brand-new databases: PostgreSQL ones (dropped after) or SQLite files in `tmp`."""
    if backend == "sqlite":
        yield Databases(*(f"sqlite+aiosqlite:///{tmp / f'{name}.db'}" for name in SERVICES))
        return
    assert pg_server_url is not None
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(fresh_database(pg_server_url)) for _ in SERVICES]
        yield Databases(*urls)


def settings_of(
    dbs: Databases, kafka: str
) -> tuple[IntakeSettings, CaseworkSettings, NotificationsSettings, HousingSettings, AuditSettings]:
    """Each service's settings: the development token secret, the given databases and broker."""
    auth = AuthSettings(jwt_secret=DEV_JWT_SECRET)
    intake = IntakeSettings(
        development=True,  # the development token secret and index key
        database_url=dbs.intake,
        kafka_bootstrap_servers=kafka,
        master_key=base64.b64encode(os.urandom(32)).decode(),
        auth=auth,
        key_clients=[*SOURCES[1:], "audit"],  # audit reads names while a person's key exists
    )
    casework = CaseworkSettings(
        development=True, database_url=dbs.casework, kafka_bootstrap_servers=kafka, auth=auth
    )
    notifications = NotificationsSettings(
        development=True,
        database_url=dbs.notifications,
        kafka_bootstrap_servers=kafka,
        auth=auth,
        secret_key=base64.b64encode(os.urandom(32)).decode(),
        provider="twilio",  # the provider whose signed webhooks are part of the API
        twilio=TwilioSettings(
            base_url="http://127.0.0.1:9",  # nobody listens: the sender never runs here
            account_sid="AC00000000000000000000000000000000",
            auth_token="fuzz-token",
            timeout_seconds=2,
        ),
        public_url="http://127.0.0.1:9",
    )
    housing = HousingSettings(
        development=True,
        database_url=dbs.housing,
        kafka_bootstrap_servers=kafka,
        auth=auth,
        operator=OWNER,
    )
    audit = AuditSettings(
        development=True, database_url=dbs.audit, kafka_bootstrap_servers=kafka, auth=auth
    )
    return intake, casework, notifications, housing, audit


@dataclass
class World:
    """The four services and audit wired in process; `sync` hands every consumer the events it
    has not seen yet, in each log's order, as Kafka would (one partition), and audit's
    ingestion stores them."""

    services: dict[str, Intake | Casework | Notifications | Housing | Audit]
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    runners: dict[tuple[str, str], ConsumerRunner]
    delivered: dict[tuple[str, str, str], int] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    async def sync(self) -> None:
        """Hand every consumer of the world the new events of the topics it reads."""
        producers = {f"{name}.events": s.runtime for name, s in self.services.items()}
        for (service, consumer), runner in self.runners.items():
            for topic in runner.config.topics:
                if topic not in producers:  # a service outside this world
                    continue
                at = (service, consumer, topic)
                self.delivered[at] = await hand_over(
                    producers[topic], topic, runner, since=self.delivered.get(at, 0)
                )
        await self.ingest()

    async def ingest(self) -> None:
        """Store in audit every event the services recorded since the last time, as its
        ingestion would from their topics (one partition each, in each log's order)."""
        audit = self.services["audit"]
        assert isinstance(audit, Audit)
        records: list[IncomingRecord] = []
        for name in SOURCES:
            runtime = self.services[name].runtime
            at = ("audit", "ingest", runtime.outbox.topic)
            new = await _rows_after(runtime, self.delivered.get(at, 0))
            records += [IncomingRecord(runtime.outbox.topic, 0, *row) for row in new]
            self.delivered[at] = new[-1][0] if new else self.delivered.get(at, 0)
        if not records:
            return
        prepared = prepare(records, {t: s for s, t in audit.topics.items()}, audit.checkpoint_keys)
        async with audit.units(Metadata(actor="service:audit")) as uow:
            await store_batch(uow, prepared, audit.checkpoint_keys, audit.clock())
            await uow.commit()


async def _rows_after(runtime: Runtime, since: int) -> list[tuple[int, str, bytes]]:
    """The (seq, key, envelope) of the runtime's log after `since`, in order."""
    table = runtime.outbox.table
    async with runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.seq, table.c.key, table.c.envelope)
            .where(table.c.seq > since)
            .order_by(table.c.seq)
        )
        return [(seq, key, envelope.encode()) for seq, key, envelope in rows]


def _apps(services: dict[str, Any]) -> dict[str, FastAPI]:
    return {
        "intake": create_intake_app(services["intake"]),
        "casework": create_casework_app(services["casework"]),
        "notifications": create_notifications_app(services["notifications"]),
        "housing": create_housing_app(services["housing"]),
        "audit": create_audit_app(services["audit"]),
    }


def _runners(services: dict[str, Any]) -> dict[tuple[str, str], ConsumerRunner]:
    """A runner for each consumer of each service, never connected: records are handed over."""
    return {
        (name, consumer.config.name): ConsumerRunner(
            consumer.config,
            default_registry(),
            service.runtime.sessions,
            "127.0.0.1:1",
            outbox=service.runtime.outbox,
        )
        for name, service in services.items()
        for consumer in service.runtime.consumers
    }


@functools.cache
def openapi_documents() -> dict[str, dict[str, Any]]:
    """Each service's OpenAPI document, from its app as built (no database touched)."""
    settings = settings_of(Databases(*("sqlite+aiosqlite://" for _ in SERVICES)), "127.0.0.1:1")
    intake = bootstrap_intake(settings[0])
    services = {
        "intake": intake,
        "casework": bootstrap_casework(settings[1]),
        "notifications": bootstrap_notifications(settings[2]),
        "housing": bootstrap_housing(settings[3]),
        "audit": bootstrap_audit(settings[4]),
    }
    return {name: app.openapi() for name, app in _apps(services).items()}


@contextlib.asynccontextmanager
async def open_world(dbs: Databases, kafka: str) -> AsyncIterator[World]:
    """The four services and audit, migrated (the centre's plan entered), on `dbs`; closed on
    exit."""
    intake_settings, casework_settings, notifications_settings, housing_settings, audit_settings = (
        settings_of(dbs, kafka)
    )
    intake = bootstrap_intake(intake_settings)
    intake_app = create_intake_app(intake)

    def key_store() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=intake_app)
        return httpx.AsyncClient(transport=transport, base_url="http://intake")

    services: dict[str, Any] = {
        "intake": intake,
        "casework": bootstrap_casework(casework_settings, key_store_http=key_store()),
        "notifications": bootstrap_notifications(
            notifications_settings, key_store_http=key_store()
        ),
        "housing": bootstrap_housing(housing_settings, key_store_http=key_store()),
        "audit": bootstrap_audit(audit_settings, key_store_http=key_store()),
    }
    for service in services.values():
        await upgrade(service.runtime.engine, service.runtime.migrations)
    await load_centre(services["housing"])
    apps = {**_apps(services), "intake": intake_app}
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
            )
            for name, app in apps.items()
        }
        try:
            yield World(services, apps, clients, _runners(services))
        finally:
            await services["audit"].close()
            await services["housing"].close()
            await services["notifications"].close()
            await services["casework"].close()
            await intake.runtime.close()
