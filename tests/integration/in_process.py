"""Two services in one test process: their fresh databases on a backend, intake migrated as
the other's key store, HTTP clients on their apps, and consumers fed directly from the other
service's outbox (the broker is never contacted)."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from services.housing.app import create_app as create_housing_app
from services.housing.bootstrap import bootstrap as bootstrap_housing
from services.housing.container import Housing
from services.housing.settings import HousingSettings
from services.intake.app import create_app as create_intake_app
from services.intake.bootstrap import Intake
from services.intake.bootstrap import bootstrap as bootstrap_intake
from services.intake.settings import IntakeSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.consumer import ConsumerRunner
from shared.events.catalog import default_registry
from shared.migrations import upgrade
from shared.runtime import Runtime
from tests.integration.conftest import hand_over
from tests.support.infra import fresh_database

AUTH = AuthSettings(jwt_secret=DEV_JWT_SECRET)


@contextlib.contextmanager
def databases(backend: str, pg_server_url: str, tmp_path: Path, *names: str) -> Iterator[list[str]]:
    """A fresh database per name on the backend (SQLite files, or PostgreSQL databases)."""
    if backend == "sqlite":
        yield [f"sqlite+aiosqlite:///{tmp_path / name}.db" for name in names]
        return
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(fresh_database(pg_server_url)) for _ in names]


def fed(runtime: Runtime, topic: str) -> ConsumerRunner:
    """The service's consumer of `topic`, to be fed records directly."""
    config = next(c.config for c in runtime.consumers if topic in c.config.topics)
    return ConsumerRunner(
        config, default_registry(), runtime.sessions, "127.0.0.1:1", outbox=runtime.outbox
    )


@dataclass
class Feed:
    """One service's new events handed to another's consumer, as Kafka would (one partition)."""

    source: Runtime
    topic: str
    runner: ConsumerRunner
    since: int = 0

    async def pass_on(self) -> None:
        """Hand over the events recorded since the last time."""
        self.since = await hand_over(self.source, self.topic, self.runner, since=self.since)


def feed(source: Runtime, topic: str, reader: Runtime) -> Feed:
    """The `source` service's events on `topic`, to the `reader` service's consumer of it."""
    return Feed(source, topic, fed(reader, topic))


def client(app: FastAPI, name: str) -> httpx.AsyncClient:
    """An HTTP client on the app, in process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")


async def migrated_intake(database_url: str) -> Intake:
    """Intake with a fresh master key, on its migrated database."""
    master_key = base64.b64encode(os.urandom(32)).decode()
    settings = IntakeSettings(
        development=True, database_url=database_url, master_key=master_key, auth=AUTH
    )
    intake = bootstrap_intake(settings)
    await upgrade(intake.runtime.engine, intake.runtime.migrations)
    return intake


@dataclass
class WithIntake:
    """Housing with intake in process as its key store, and a client on each."""

    intake: Intake
    desk: httpx.AsyncClient
    housing: Housing
    http: httpx.AsyncClient


@contextlib.asynccontextmanager
async def housing_with_intake(
    urls: list[str], now: datetime, **housing_settings: Any
) -> AsyncIterator[WithIntake]:
    """Intake and housing on the two databases, housing's clock at `now`."""
    intake_db, housing_db = urls
    intake = await migrated_intake(intake_db)
    intake_app = create_intake_app(intake)
    settings = HousingSettings(
        development=True, database_url=housing_db, auth=AUTH, **housing_settings
    )
    housing = bootstrap_housing(settings, key_store_http=client(intake_app, "intake"))
    housing.clock = lambda: now
    await upgrade(housing.runtime.engine, housing.runtime.migrations)
    try:
        async with (
            client(intake_app, "intake") as desk,
            client(create_housing_app(housing), "housing") as http,
        ):
            yield WithIntake(intake, desk, housing, http)
    finally:
        await housing.close()
        await intake.runtime.close()
