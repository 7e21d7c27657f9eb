"""Async engines and sessions for PostgreSQL and SQLite (the embedded default)."""

from __future__ import annotations

import asyncio
import time
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Column, DateTime, event, inspect
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

SessionFactory = async_sessionmaker[AsyncSession]
log = structlog.get_logger(__name__)
_QUEUES: weakref.WeakKeyDictionary[Engine, _LockHolders] = weakref.WeakKeyDictionary()

SLOW_LOCK_SECONDS = 1.0
"""A wait for SQLite's write lock longer than this is logged (`db.lock_waited`)."""
BUSY_TIMEOUT_MS = 30000


class NestedTransaction(RuntimeError):
    """A task opened a second SQLite transaction while its first one holds the write lock:
    it would wait for itself until the busy timeout, so it fails at once instead."""


def create_engine(
    url: str, *, pool_size: int = 5, slow_lock: float = SLOW_LOCK_SECONDS
) -> AsyncEngine:
    """An engine for its backend; SQL parameters (personal data) never appear in its errors."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, slow_lock)
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=5, pool_pre_ping=True, hide_parameters=True
    )


def _sqlite_engine(url: str, slow_lock: float) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        poolclass=NullPool,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,
    )
    name = Path(database or ":memory:").name
    holders = _LockHolders()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy, not the driver, open transactions, so BEGIN IMMEDIATE below applies
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        task = _current_task()
        if task is not None and holders.holds(task):
            log.error("db.nested_transaction", database=name)
            raise NestedTransaction(
                "this task already holds the SQLite write lock in another transaction: "
                "finish that one first, or do this work inside it"
            )
        # take the write lock up front: two processes never interleave read-then-write
        started = time.monotonic()
        holders.waiting += 1
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            _lock_waited(name, time.monotonic() - started, slow_lock, acquired=False)
            raise
        finally:
            holders.waiting -= 1
        _lock_waited(name, time.monotonic() - started, slow_lock, acquired=True)
        if task is not None:
            holders.add(conn, task)

    @event.listens_for(engine.sync_engine, "commit")
    @event.listens_for(engine.sync_engine, "rollback")
    def _on_end(conn: Connection) -> None:
        held = holders.discard(conn)
        if held is not None and held[1] >= slow_lock:
            # names the holder, so a `db.lock_waited` elsewhere can be traced to its cause
            log.warning("db.lock_held", database=name, held_seconds=round(held[1], 3), by=held[0])

    _QUEUES[engine.sync_engine] = holders
    return engine


def lock_waiters(engine: Engine | None) -> int:
    """How many transactions of this process wait for the SQLite engine's write lock (0 on
    PostgreSQL). SQLite's busy handler polls, so a task that commits and begins again at once
    can keep the others waiting: a long job gives way between its transactions when this
    is not 0."""
    holders = _QUEUES.get(engine) if engine is not None else None
    return holders.waiting if holders is not None else 0


class _LockHolders:
    """Which task holds each open transaction (and so the write lock) of one SQLite engine."""

    def __init__(self) -> None:
        self.waiting = 0
        self._open: dict[int, tuple[asyncio.Task[Any], weakref.ref[Connection], float]] = {}

    def add(self, conn: Connection, task: asyncio.Task[Any]) -> None:
        """`task` opened a transaction on `conn`."""
        self._open[id(conn)] = (task, weakref.ref(conn), time.monotonic())

    def discard(self, conn: Connection) -> tuple[str, float] | None:
        """`conn`'s transaction ended: who held it (the task's coroutine) and for how long."""
        entry = self._open.pop(id(conn), None)
        if entry is None:
            return None
        task, _, since = entry
        return getattr(task.get_coro(), "__qualname__", task.get_name()), time.monotonic() - since

    def holds(self, task: asyncio.Task[Any]) -> bool:
        """Whether `task` has a transaction still open (entries of ended ones are dropped)."""
        for key, (holder, ref, _) in list(self._open.items()):
            conn = ref()
            if conn is None or conn.closed or conn.invalidated or not conn.in_transaction():
                del self._open[key]  # ended without an event we saw (a dropped connection)
            elif holder is task:
                return True
        return False


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop: plain synchronous use
        return None


def _lock_waited(database: str, waited: float, slow: float, *, acquired: bool) -> None:
    """Log a long wait for the write lock: something held it (a transaction kept open too
    long, or a task waiting on itself) while requests and workers queued behind it."""
    if waited >= slow:
        log.warning(
            "db.lock_waited", database=database, waited_seconds=round(waited, 3), acquired=acquired
        )


def session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def is_postgres(engine: AsyncEngine) -> bool:
    """True when the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


def safe_url(url: str) -> str:
    """The URL with its password hidden, fit for a log line."""
    return make_url(url).render_as_string(hide_password=True)


def dialect_name(session: AsyncSession) -> str:
    """'postgresql' or 'sqlite', for the few statements that differ."""
    return session.get_bind().dialect.name


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and read back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes: every time in Passerelle says its zone."""
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one (UTC)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """SQLite returns naive values: they were stored in UTC."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


async def add_once(session: AsyncSession, row: object) -> bool:
    """Add `row` unless its table holds a row with its primary key already (a projection
    applying an event a second time); True when it was added."""
    key = inspect(type(row)).primary_key_from_instance(row)
    if await session.get(type(row), tuple(key)) is not None:
        return False
    session.add(row)
    return True


def instant(*, nullable: bool = False, index: bool = False) -> Any:
    """A table field holding an aware UTC instant (a row's `…_at`), on every database."""
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable, index=index))
