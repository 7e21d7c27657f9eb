"""Leadership among a service's relay instances: a PostgreSQL session advisory lock, fenced."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession


class LeadershipLost(RuntimeError):
    """The lock is no longer held by this instance (its connection died or was killed)."""


class Leadership:
    """Who may relay now; on SQLite every writer is serialised already, so always this one."""

    def __init__(self, name: str) -> None:
        self._key = zlib.crc32(f"outbox-relay:{name}".encode())
        self._pid: int | None = None

    @property
    def held(self) -> bool:
        """Whether this instance won the lock (it may have lost it since: see `check`)."""
        return self._pid is not None

    @contextlib.asynccontextmanager
    async def hold(self, engine: AsyncEngine) -> AsyncIterator[Leadership]:
        """Try to take the lock for the block's duration; `held` tells whether it was won."""
        if engine.dialect.name != "postgresql":
            self._pid = 0
            try:
                yield self
            finally:
                self._pid = None
            return
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            if await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}):
                self._pid = int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
            try:
                yield self
            finally:
                await self._release(connection)

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
