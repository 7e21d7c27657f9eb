"""Fixtures for the backbone tests: the probe service on a fresh database, a fresh topic."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from services.intake.app import create_app
from services.intake.bootstrap import Intake, bootstrap
from services.intake.settings import IntakeSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings, mint_token
from shared.db import SessionFactory, create_engine, session_factory
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.testing import probe
from tests.integration.kafka_tools import unique_topic


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


def token(org: str, *roles: str) -> dict[str, str]:
    """Authorization header for a user of `org` with `roles`."""
    jwt = mint_token(DEV_JWT_SECRET, user_id="desk", org=org, roles=roles)
    return {"Authorization": f"Bearer {jwt}"}
