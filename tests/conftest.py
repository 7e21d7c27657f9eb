"""Test-wide setup: real-infrastructure fixtures, and one log directory for the whole run."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from shared.logging import configure_logging

pytest_plugins = ["tests.support.plugin"]

LOG_DIR_ENV = "PASSERELLE_TEST_LOG_DIR"


def pytest_configure(config: pytest.Config) -> None:
    """Every log line of the run, ours and our subprocesses', lands in one directory."""
    log_dir = Path(os.environ.get(LOG_DIR_ENV) or tempfile.mkdtemp(prefix="passerelle-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    os.environ[LOG_DIR_ENV] = str(log_dir)
    sink = (log_dir / f"pytest-{os.getpid()}.log").open("a", encoding="utf-8")
    config.stash[_SINK] = sink
    configure_logging("tests", level="INFO", json=True, stream=sink)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the run's log file."""
    sink = config.stash.get(_SINK, None)
    if sink is not None:
        configure_logging("tests", level="WARNING", stream=sys.stderr)  # for what GC reports last
        sink.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `last` read what the others left behind, so they run at the end."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)
    config.stash[SERVICES_RUN] = any(item.nodeid.startswith("tests/e2e/") for item in items)


_SINK = pytest.StashKey["object"]()
SERVICES_RUN = pytest.StashKey[bool]()
"""Whether this run starts the services as processes (the end-to-end tests)."""
