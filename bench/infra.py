"""The broker and database server a run uses, and a fresh probe database per use."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import SessionFactory, create_engine, session_factory
from tests.support import probe
from tests.support.infra import fresh_database, kafka_server, postgres_server


@dataclass(frozen=True)
class Servers:
    """Where Kafka and PostgreSQL are, and whether they came from the environment."""

    bootstrap: str
    server_url: str
    kafka_from_env: bool
    postgres_from_env: bool


@dataclass(frozen=True)
class ProbeDb:
    """A fresh database holding the probe's schema."""

    engine: AsyncEngine
    sessions: SessionFactory


def progress(message: str) -> None:
    """One progress line on stderr."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def fresh_name(prefix: str) -> str:
    """A topic or group name never used before."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@contextlib.contextmanager
def quiet(name: str = "aiokafka") -> Iterator[None]:
    """Silence a library logger for a while (refused connections while a broker boots)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def servers() -> Iterator[Servers]:
    """Kafka and PostgreSQL from the environment, or local ones started for this run."""
    kafka_env = bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    postgres_env = bool(os.environ.get("TEST_DATABASE_URL"))
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-kafka-"))
        progress("kafka: " + ("from KAFKA_BOOTSTRAP_SERVERS" if kafka_env else "starting local"))
        with quiet():
            bootstrap = stack.enter_context(kafka_server(Path(tmp)))
        progress("postgres: " + ("from TEST_DATABASE_URL" if postgres_env else "starting local"))
        server_url = stack.enter_context(postgres_server())
        yield Servers(bootstrap, server_url, kafka_env, postgres_env)
        progress("stopping servers")


@contextlib.asynccontextmanager
async def probe_database(server_url: str) -> AsyncIterator[ProbeDb]:
    """A brand-new database with the probe schema, dropped afterwards."""
    with fresh_database(server_url) as url:
        engine = create_engine(url)
        try:
            await probe.create_schema(engine)
            yield ProbeDb(engine, session_factory(engine))
        finally:
            await engine.dispose()
