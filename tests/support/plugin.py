"""Pytest fixtures: real Kafka and PostgreSQL, and a headless browser (loaded by conftest.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver

from deploy.local.kafka import KafkaBroker, unavailable_reason
from tests.support.browser import require_browser, start_browser
from tests.support.infra import (
    InfraUnavailable,
    fresh_database,
    kafka_server,
    postgres_server,
)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a Kafka broker shared by the whole session."""
    with contextlib.ExitStack() as stack:
        try:
            bootstrap = stack.enter_context(kafka_server(tmp_path_factory.mktemp("kafka")))
        except InfraUnavailable as exc:
            pytest.skip(str(exc))
        yield bootstrap


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """Asyncpg URL of the `postgres` database of a server shared by the whole session."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server())
        except InfraUnavailable as exc:
            pytest.skip(str(exc))
        yield url


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """Asyncpg URL of a brand-new empty database, dropped after the test."""
    with fresh_database(pg_server_url) as url:
        yield url


@pytest.fixture
def kafka_broker(tmp_path: Path) -> Iterator[KafkaBroker]:
    """A dedicated, started broker for one test (free to kill and restart it)."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"cannot run a dedicated Kafka broker: {reason}")
    broker = KafkaBroker(tmp_path / "kafka")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    """A headless Chromium at desktop size for the session (skipped without one, outside CI)."""
    require_browser()
    driver = start_browser()
    try:
        yield driver
    finally:
        driver.quit()
