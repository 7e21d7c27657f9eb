"""Leadership among a service's relay instances: a PostgreSQL session advisory lock, fenced;
on SQLite, an OS file lock beside the database file."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = structlog.get_logger(__name__)


class LeadershipLost(RuntimeError):
    """The lock is no longer held by this instance (its connection died or was killed)."""


class Leadership:
    """Who may relay now: one relay per database, whatever the number of processes."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._key = zlib.crc32(f"outbox-relay:{name}".encode())
        self._pid: int | None = None
        self._standing_by = False
        self.holder: dict[str, object] = {}
        """When not won: who holds the lock instead, as log fields."""

    @property
    def held(self) -> bool:
        """Whether this instance won the lock (it may have lost it since: see `check`)."""
        return self._pid is not None

    @contextlib.asynccontextmanager
    async def hold(self, engine: AsyncEngine) -> AsyncIterator[Leadership]:
        """Try to take the lock for the block's duration; `held` tells whether it was won."""
        if engine.dialect.name != "postgresql":
            with self._file_lock(lock_path(engine.url.database)):
                self._announce(logging.WARNING)  # two processes on one file: unusual
                yield self
            return
        self.holder = {"lock": "postgresql advisory lock", "key": self._key}
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            if await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}):
                self._pid = int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
            self._announce(logging.INFO)  # several relay instances: a deployment's choice
            try:
                yield self
            finally:
                await self._release(connection)

    def _announce(self, standby_level: int) -> None:
        """Say once that this relay stands by, and why, and when it takes over."""
        if self.held and self._standing_by:
            log.info("outbox.relay_took_over", source=self._name)
        elif not self.held and not self._standing_by:
            log.log(
                standby_level,
                "outbox.relay_standby",
                source=self._name,
                reason="another relay sends this database's events; this one stays idle "
                "and takes over when that one stops",
                **self.holder,
            )
        self._standing_by = not self.held

    @contextlib.contextmanager
    def _file_lock(self, path: Path | None) -> Iterator[None]:
        """SQLite: an OS lock on `<database>.relay.lock`, released when the file is closed,
        even by a crash; two relays on one file would otherwise send every event twice."""
        if path is None:  # an in-memory database belongs to one process
            self._pid = 0
            try:
                yield
            finally:
                self._pid = None
            return
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if _try_lock(descriptor):
                os.ftruncate(descriptor, 0)
                os.write(descriptor, str(os.getpid()).encode())
                self._pid, self.holder = 0, {}
            else:
                self.holder = {"lock": str(path), "holder_pid": _read_pid(descriptor)}
            try:
                yield
            finally:
                self._pid = None
        finally:
            os.close(descriptor)  # releases the lock

    async def check(self, session: AsyncSession) -> None:
        """Fence: inside a claim's transaction, prove the lock is still ours, or raise."""
        if self._pid is None or self._pid == 0 or session.get_bind().dialect.name != "postgresql":
            return
        still_ours = await session.scalar(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                "AND classid = 0 AND objid = CAST(:k AS oid) AND objsubid = 1 "
                "AND pid = :pid AND granted)"
            ),
            {"k": self._key, "pid": self._pid},
        )
        if not still_ours:
            raise LeadershipLost("the relay lock is no longer held by this instance")

    async def _release(self, connection: AsyncConnection) -> None:
        held, self._pid = self._pid, None
        if held and not connection.invalidated:
            with contextlib.suppress(Exception):  # a dead connection released the lock already
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})


def lock_path(database: str | None) -> Path | None:
    """The relay's lock file beside a SQLite database file; None for an in-memory one."""
    if not database or database == ":memory:" or "mode=memory" in database:
        return None
    return Path(database).with_name(Path(database).name + ".relay.lock")


def _try_lock(descriptor: int) -> bool:
    """Take the file's exclusive lock if no other open file holds it."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _read_pid(descriptor: int) -> int | None:
    """The process id the lock's holder wrote in it (None if it has not yet)."""
    content = os.pread(descriptor, 32, 0).decode(errors="replace").strip()
    return int(content) if content.isdigit() else None
