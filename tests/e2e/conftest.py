"""The end-to-end tests run their service processes on both databases Passerelle supports:
SQLite files (the embedded default of `make run`) and PostgreSQL. And no process of the run
may wait on SQLite's write lock for a second or more: each test fails if one did.

A module runs on both by taking the `databases` fixture instead of `pg_server_url`, and
making each service's database with `databases.fresh()` instead of `fresh_database(...)`."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.infra import fresh_database

BACKENDS = ("sqlite", "postgresql")
# what shared/db.py logs when a request or a worker waited on SQLite's write lock
LOCK_EVENTS = ('"db.lock_waited"', '"db.nested_transaction"')


@dataclass
class Databases:
    """Fresh, empty databases of one backend for a module's service processes."""

    backend: str
    folder: Path
    server_url: str | None = None

    @contextlib.contextmanager
    def fresh(self) -> Iterator[str]:
        """A brand-new database's URL, removed after the block."""
        if self.server_url is not None:
            with fresh_database(self.server_url) as url:
                yield url
            return
        path = self.folder / f"{uuid.uuid4().hex[:12]}.db"
        try:
            yield f"sqlite+aiosqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm", ".relay.lock"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="module", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Databases:
    """The module's backend: its tests run once on SQLite files, once on PostgreSQL."""
    folder = tmp_path_factory.mktemp(f"sqlite-{request.module.__name__.rsplit('.', 1)[-1]}")
    if request.param == "postgresql":
        return Databases("postgresql", folder, request.getfixturevalue("pg_server_url"))
    return Databases("sqlite", folder)


@dataclass
class LockWatch:
    """Reads the run's log files from where it last looked, for lock-wait lines."""

    log_dir: Path
    seen: dict[Path, int] = field(default_factory=dict)

    def logs(self) -> list[Path]:
        """The service processes' logs; the test process's own (`pytest-*.log`) also holds
        the integration tests, some of which make desks queue for the lock on purpose."""
        return sorted(p for p in self.log_dir.glob("*.log") if not p.name.startswith("pytest-"))

    def start(self) -> None:
        """Skip what a log directory reused from an earlier run already holds."""
        self.seen = {path: path.stat().st_size for path in self.logs()}

    def new_waits(self) -> list[str]:
        """Lock-wait lines logged since the last look."""
        waits = []
        for path in self.logs():
            with path.open("rb") as log:
                log.seek(self.seen.get(path, 0))
                added = log.read()
            self.seen[path] = self.seen.get(path, 0) + len(added)
            lines = added.decode("utf-8", errors="replace").splitlines()
            waits += [f"{path.name}: {line[:300]}" for line in lines if _a_wait(line)]
        return waits


def _a_wait(line: str) -> bool:
    return any(event in line for event in LOCK_EVENTS)


@pytest.fixture(scope="session")
def lock_watch() -> Iterator[LockWatch]:
    """The watch over the whole run; what the last module's processes logged as they stopped
    is checked at the very end."""
    watch = LockWatch(Path(os.environ["PASSERELLE_TEST_LOG_DIR"]))
    watch.start()
    yield watch
    late = watch.new_waits()
    assert not late, "a service waited on SQLite's write lock:\n" + "\n".join(late[:10])


@pytest.fixture(autouse=True)
def no_wait_on_the_sqlite_lock(lock_watch: LockWatch) -> Iterator[None]:
    """Fail the test if any service process (a request, a worker) waited on SQLite's write
    lock for a second or more, or opened a transaction inside its own."""
    yield
    waits = lock_watch.new_waits()
    assert not waits, "a service waited on SQLite's write lock:\n" + "\n".join(waits[:10])
