"""Fixtures for the backbone tests: the probe service on a fresh database, a fresh topic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from shared.db import SessionFactory, create_engine, session_factory
from shared.kafka import ensure_topics
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
