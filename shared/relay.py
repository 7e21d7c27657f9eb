"""The outbox relay: the only writer to Kafka, sending claimed rows pipelined in batches."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from sqlalchemy import Row, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from shared.aio import sleep_or_stop
from shared.db import SessionFactory, dialect_name
from shared.faults import fault_point
from shared.kafka import OutgoingMessage
from shared.outbox import OutboxLog

log = structlog.get_logger(__name__)


class Publisher(Protocol):
    """Sends messages and returns once the broker acknowledged all of them."""

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None: ...


class OutboxRelay:
    """Claims unpublished outbox rows, publishes them, then marks them published."""

    def __init__(
        self,
        sessions: SessionFactory,
        outbox: OutboxLog,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.5,
        max_backoff: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._wakeup = asyncio.Event()
        self._relay_lock = zlib.crc32(f"outbox-relay:{outbox.source}".encode())

    def wake(self) -> None:
        """Ask the relay to look for new rows now (called on NOTIFY or by an in-process writer)."""
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set, backing off while Kafka or the database is away."""
        backoff = 0.1
        while not stop.is_set():
            try:
                sent = await self.relay_batch()
                backoff = 0.1
            except Exception as exc:
                log.warning("outbox.relay_failed", error=type(exc).__name__, retry_in=backoff)
                await self._record_failure(exc)
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if sent < self._batch_size:
                await self._wait_for_work(stop)

    async def relay_batch(self) -> int:
        """Publish one batch of unpublished rows; return how many were sent."""
        table = self._outbox.table
        async with self._sessions() as session, session.begin():
            if dialect_name(session) == "postgresql":
                # one relay at a time per service keeps each aggregate's order across instances
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._relay_lock}
                )
            claim = (
                select(
                    table.c.seq,
                    table.c.topic,
                    table.c.key,
                    table.c.envelope,
                    table.c.event_id,
                    table.c.type,
                )
                .where(table.c.published_at.is_(None))
                .order_by(table.c.seq)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = (await session.execute(claim)).all()
            if not rows:
                return 0
            await self._publisher.publish([_message(row, self._outbox.source) for row in rows])
            fault_point("relay.after_ack")
            await session.execute(
                update(table)
                .where(table.c.seq.in_([row.seq for row in rows]))
                .values(published_at=datetime.now(UTC))
            )
        log.debug("outbox.relayed", count=len(rows), last_seq=rows[-1].seq)
        return len(rows)

    async def _record_failure(self, exc: Exception) -> None:
        table = self._outbox.table
        try:
            async with self._sessions() as session, session.begin():
                first = (
                    select(table.c.seq)
                    .where(table.c.published_at.is_(None))
                    .order_by(table.c.seq)
                    .limit(1)
                )
                await session.execute(
                    update(table)
                    .where(table.c.seq == first.scalar_subquery())
                    .values(attempts=table.c.attempts + 1, last_error=type(exc).__name__)
                )
        except SQLAlchemyError:
            log.warning("outbox.failure_not_recorded")

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wakeup.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(
            waiters, timeout=self._poll_interval, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in waiters:
            waiter.cancel()
        self._wakeup.clear()


def _message(row: Row[Any, Any, Any, Any, Any, Any], source: str) -> OutgoingMessage:
    headers = (
        ("ce_id", row.event_id.encode()),
        ("ce_type", row.type.encode()),
        ("ce_source", source.encode()),
        ("content-type", b"application/cloudevents+json"),
    )
    return OutgoingMessage(
        topic=row.topic, key=row.key, value=row.envelope.encode(), headers=headers
    )


async def listen_for_notifications(
    url: str,
    channel: str,
    on_notify: Callable[[], None],
    stop: asyncio.Event,
    *,
    listening: asyncio.Event | None = None,
) -> None:
    """Call `on_notify` on each PostgreSQL NOTIFY on `channel`, reconnecting until `stop`."""
    import asyncpg  # imported here: SQLite deployments never need it

    while not stop.is_set():
        try:
            connection = await asyncpg.connect(
                url.replace("postgresql+asyncpg://", "postgresql://")
            )
        except (OSError, asyncpg.PostgresError):
            await sleep_or_stop(stop, 1.0)
            continue
        try:
            await connection.add_listener(channel, lambda *_: on_notify())
            on_notify()  # catch up on whatever was committed while nobody listened
            if listening is not None:
                listening.set()
            await _wait_closed(connection, stop)
        finally:
            await _close(connection)


async def _wait_closed(connection: Any, stop: asyncio.Event) -> None:
    while not stop.is_set() and not connection.is_closed():
        await sleep_or_stop(stop, 1.0)


async def _close(connection: Any) -> None:
    try:
        await asyncio.wait_for(connection.close(), timeout=2)
    except (OSError, TimeoutError):
        connection.terminate()


WakeSource = Callable[[asyncio.Event], Awaitable[None]]
