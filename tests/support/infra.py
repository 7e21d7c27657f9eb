"""Find or start the Kafka and PostgreSQL servers the tests need, in order of preference."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from deploy.local import kafka as local_kafka
from deploy.local import postgres as local_postgres

T = TypeVar("T")


class InfraUnavailable(RuntimeError):
    """No way to provide the requested server on this machine (the tests should skip)."""


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a fresh event loop in a worker thread (safe inside a running loop)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def docker_available(timeout: float = 10.0) -> bool:
    """Tell whether a Docker engine answers `docker info` within `timeout` seconds."""
    if shutil.which("docker") is None:
        return False
    try:
        proc = subprocess.run(["docker", "info"], capture_output=True, timeout=timeout, check=False)
    except (subprocess.TimeoutExpired, OSError):
        return False
    return proc.returncode == 0


def to_asyncpg_url(url: str) -> str:
    """Turn any postgres:// or postgresql[+driver]:// URL into a postgresql+asyncpg:// one."""
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in ("postgres", "postgresql"):
        raise ValueError(f"not a PostgreSQL URL scheme: {parts.scheme!r}")
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))


def to_libpq_dsn(url: str) -> str:
    """Turn a postgresql+asyncpg:// URL into the postgresql:// DSN asyncpg.connect accepts."""
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def with_database(url: str, name: str) -> str:
    """Return `url` pointing at database `name` on the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.contextmanager
def kafka_server(work_dir: Path) -> Iterator[str]:
    """Yield a bootstrap address: $KAFKA_BOOTSTRAP_SERVERS, a local broker, or a container."""
    if env := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield env
        return
    reason = local_kafka.unavailable_reason()
    if reason is None:
        broker = local_kafka.KafkaBroker(work_dir)
        broker.start()
        try:
            yield broker.bootstrap
        finally:
            broker.stop()
        return
    if docker_available():
        from testcontainers.community.kafka import KafkaContainer

        container = KafkaContainer().start()
        try:
            yield container.get_bootstrap_server()
        finally:
            container.stop()
        return
    raise InfraUnavailable(
        f"no Kafka: KAFKA_BOOTSTRAP_SERVERS unset, local broker impossible ({reason}), "
        "and no Docker engine answers"
    )


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield an asyncpg URL of a server's `postgres` db: $TEST_DATABASE_URL, local or container."""
    if env := os.environ.get("TEST_DATABASE_URL"):
        yield to_asyncpg_url(env)
        return
    reason = local_postgres.unavailable_reason()
    if reason is None:
        cluster = local_postgres.PostgresCluster()
        cluster.start()
        try:
            yield cluster.url
        finally:
            cluster.stop()
        return
    if docker_available():
        from testcontainers.community.postgres import PostgresContainer

        container = PostgresContainer(
            "postgres:16-alpine",
            username="postgres",
            password="postgres",
            dbname="postgres",
            driver="asyncpg",
        ).start()
        try:
            yield container.get_connection_url()
        finally:
            container.stop()
        return
    raise InfraUnavailable(
        f"no PostgreSQL: TEST_DATABASE_URL unset, local server impossible ({reason}), "
        "and no Docker engine answers"
    )


async def _execute(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(to_libpq_dsn(server_url), timeout=30)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create a brand-new empty database, yield its asyncpg URL, then drop it (forcefully)."""
    name = f"t_{secrets.token_hex(8)}"
    run_sync(_execute(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(server_url, name)
    finally:
        run_sync(_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
