"""Fixtures for the backbone tests: the probe service on a fresh database, a fresh topic."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from services.casework.app import create_app as create_casework_app
from services.casework.bootstrap import Casework
from services.casework.bootstrap import bootstrap as bootstrap_casework
from services.casework.settings import CaseworkSettings
from services.console.app import create_app as create_console_app
from services.console.bootstrap import bootstrap as bootstrap_console
from services.console.container import Console
from services.console.settings import ConsoleSettings
from services.intake.app import create_app
from services.intake.bootstrap import Intake, bootstrap
from services.intake.settings import IntakeSettings
from services.notifications.app import create_app as create_notifications_app
from services.notifications.bootstrap import Notifications
from services.notifications.bootstrap import bootstrap as bootstrap_notifications
from services.notifications.sender import Sender
from services.notifications.settings import NotificationsSettings, TwilioSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings, mint_token
from shared.consumer import ConsumerRunner
from shared.db import SessionFactory, create_engine, session_factory
from shared.events.catalog import default_registry
from shared.kafka import IncomingRecord, ensure_topics
from shared.migrations import upgrade
from shared.runtime import Runtime
from tests.integration.console_world import NOW as CONSOLE_NOW
from tests.integration.fake_sms_process import FakeSmsProcess
from tests.integration.kafka_tools import unique_topic
from tests.support import probe
from tests.support.infra import fresh_database


@dataclass
class ProbeDb:
    url: str
    sessions: SessionFactory


@pytest.fixture
async def probe_db(pg_url: str) -> AsyncIterator[ProbeDb]:
    """The probe service's tables in a brand-new PostgreSQL database."""
    engine = create_engine(pg_url)
    await probe.create_schema(engine)
    yield ProbeDb(pg_url, session_factory(engine))
    await engine.dispose()


@pytest.fixture
async def topic(kafka_bootstrap: str) -> str:
    """A fresh topic with three partitions."""
    name = unique_topic("probe")
    await ensure_topics(kafka_bootstrap, [name], partitions=3)
    return name


@pytest.fixture
async def intake(pg_url: str) -> AsyncIterator[Intake]:
    """Intake wired in process on a fresh, migrated PostgreSQL database."""
    settings = IntakeSettings(
        development=True,  # the development token secret
        database_url=pg_url,
        master_key=base64.b64encode(os.urandom(32)).decode(),
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )
    service = bootstrap(settings)
    await upgrade(service.runtime.engine, service.runtime.migrations)
    yield service
    await service.runtime.close()


@pytest.fixture
async def client(intake: Intake) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of intake's API (in process)."""
    transport = httpx.ASGITransport(app=create_app(intake))
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as http:
        yield http


def token(org: str, *roles: str, user: str = "desk") -> dict[str, str]:
    """Authorization header for a user of `org` with `roles`."""
    jwt = mint_token(DEV_JWT_SECRET, user_id=user, org=org, roles=roles)
    return {"Authorization": f"Bearer {jwt}"}


@pytest.fixture
def casework_db(pg_server_url: str) -> Iterator[str]:
    """A second brand-new database, for casework beside intake."""
    with fresh_database(pg_server_url) as url:
        yield url


@dataclass
class CaseworkWorld:
    """Casework in process beside intake: intake's events reach casework's real consumer
    (inbox, handlers, outbox) in order, as the relay and Kafka would hand them over."""

    casework: Casework
    http: httpx.AsyncClient
    intake: Intake
    runner: ConsumerRunner
    delivered: int = 0

    async def sync(self) -> None:
        """Hand casework every intake event it has not seen yet, in the log's order."""
        self.delivered = await hand_over(
            self.intake.runtime, "intake.events", self.runner, since=self.delivered
        )


async def hand_over(producer: Runtime, topic: str, runner: ConsumerRunner, *, since: int) -> int:
    """Give `runner` the producer's events after `since`, in its log's order, as Kafka would
    (one partition); return the last position handed over."""
    table = producer.outbox.table
    async with producer.sessions() as session:
        rows = await session.execute(
            select(table.c.seq, table.c.key, table.c.envelope)
            .where(table.c.seq > since)
            .order_by(table.c.seq)
        )
        pending = rows.all()
    for seq, key, envelope in pending:
        await runner.handle(IncomingRecord(topic, 0, seq, key, envelope.encode()))
        since = seq
    return since


@pytest.fixture
async def casework(intake: Intake, casework_db: str) -> AsyncIterator[CaseworkWorld]:
    """Casework on its own fresh database, reading keys from the in-process intake."""
    settings = CaseworkSettings(
        development=True, database_url=casework_db, auth=AuthSettings(jwt_secret=DEV_JWT_SECRET)
    )
    key_store = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(intake)), base_url="http://intake"
    )
    service = bootstrap_casework(settings, key_store_http=key_store)
    await upgrade(service.runtime.engine, service.runtime.migrations)
    runner = ConsumerRunner(
        service.runtime.consumers[0].config,
        default_registry(),
        service.runtime.sessions,
        "127.0.0.1:1",  # never contacted: records are handed over directly
        outbox=service.runtime.outbox,
    )
    transport = httpx.ASGITransport(app=create_casework_app(service))
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as http:
        yield CaseworkWorld(service, http, intake, runner)
    await service.close()


@pytest.fixture(scope="session")
def fake_sms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSmsProcess]:
    """The local fake SMS provider, a real HTTP server process, for the whole session."""
    fake = FakeSmsProcess(tmp_path_factory.mktemp("fake-sms") / "fake-sms.log")
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def notifications_db(pg_server_url: str) -> Iterator[str]:
    """A third brand-new database, for notifications."""
    with fresh_database(pg_server_url) as url:
        yield url


@dataclass
class NotificationsWorld:
    """Notifications in process beside intake and casework, sending through the fake provider
    over HTTP; each service's new events reach its consumers in order, as Kafka would hand
    them over, and its clock is frozen where the test puts it."""

    service: Notifications
    http: httpx.AsyncClient
    casework: CaseworkWorld
    fake: FakeSmsProcess
    runners: dict[str, ConsumerRunner]
    sender: Sender
    delivered: dict[str, int] = field(default_factory=dict)

    async def sync(self) -> None:
        """Hand every service's new events to notifications' consumers (and casework's)."""
        await self.casework.sync()
        producers = {
            "intake.events": self.casework.intake.runtime,
            "casework.events": self.casework.casework.runtime,
            "notifications.events": self.service.runtime,
        }
        for topic, producer in producers.items():
            self.delivered[topic] = await hand_over(
                producer, topic, self.runners[topic], since=self.delivered.get(topic, 0)
            )

    async def tick(self) -> int:
        """Hand over new events, then let the sender do one round."""
        await self.sync()
        sent = await self.sender.tick()
        await self.sync()
        return sent


@pytest.fixture
async def notifications(
    casework: CaseworkWorld, notifications_db: str, fake_sms: FakeSmsProcess
) -> AsyncIterator[NotificationsWorld]:
    """Notifications on its own fresh database, the fake provider cleared."""
    await fake_sms.clear()
    settings = NotificationsSettings(
        development=True,
        database_url=notifications_db,
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
        secret_key=base64.b64encode(os.urandom(32)).decode(),
        provider="twilio",
        twilio=TwilioSettings(
            base_url=fake_sms.url,
            account_sid=fake_sms.account_sid,
            auth_token=fake_sms.auth_token,
            timeout_seconds=2,
        ),
        public_url="http://127.0.0.1:9",  # nobody listens: the fake's callbacks go nowhere
        retry_base_seconds=60,
    )
    key_store = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(casework.intake)), base_url="http://intake"
    )
    service = bootstrap_notifications(settings, key_store_http=key_store)
    service.clock.set(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    casework.casework.clock = service.clock  # one time for all: a past appointment is history
    await upgrade(service.runtime.engine, service.runtime.migrations)
    runners = {
        topic: ConsumerRunner(
            next(r.config for r in service.runtime.consumers if topic in r.config.topics),
            default_registry(),
            service.runtime.sessions,
            "127.0.0.1:1",  # never contacted: records are handed over directly
            outbox=service.runtime.outbox,
        )
        for topic in ("intake.events", "casework.events", "notifications.events")
    }
    transport = httpx.ASGITransport(app=create_notifications_app(service))
    async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as http:
        yield NotificationsWorld(service, http, casework, fake_sms, runners, Sender(service))
    await service.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def console(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    casework: CaseworkWorld,
    client: httpx.AsyncClient,
) -> AsyncIterator[Console]:
    """The console on its own database (SQLite file or PostgreSQL), asking the real intake and
    casework; notifications is a port where nothing answers."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
        else:
            url = stack.enter_context(fresh_database(request.getfixturevalue("pg_server_url")))
        async for service in _console(url, casework, client):
            yield service


async def _console(
    url: str, casework: CaseworkWorld, intake: httpx.AsyncClient
) -> AsyncIterator[Console]:
    settings = ConsoleSettings(
        development=True, database_url=url, auth=AuthSettings(jwt_secret=DEV_JWT_SECRET)
    )
    clients = {
        "casework": casework.http,
        "intake": intake,
        "notifications": httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=2),
    }
    service = bootstrap_console(settings, clients=clients)
    service.clock.set(CONSOLE_NOW)
    casework.casework.clock = lambda: CONSOLE_NOW
    await upgrade(service.engine, service.migrations)
    yield service
    await service.engine.dispose()


@pytest.fixture
async def desk(console: Console) -> AsyncIterator[httpx.AsyncClient]:
    """A caseworker's browser, as HTTP: it keeps the console's cookies."""
    transport = httpx.ASGITransport(app=create_console_app(console))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        yield client
