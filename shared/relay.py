"""The outbox relay: the only writer to Kafka, sending claimed rows pipelined in batches."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from sqlalchemy import BigInteger, Row, any_, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.aio import sleep_or_stop
from shared.db import SessionFactory, dialect_name
from shared.faults import fault_point
from shared.kafka import OutgoingMessage
from shared.outbox import OutboxLog

log = structlog.get_logger(__name__)


class Publisher(Protocol):
    """Queues messages; the future it returns resolves once the broker acknowledged them all."""

    async def send(self, messages: Sequence[OutgoingMessage]) -> asyncio.Future[None]: ...


@dataclass
class _InFlight:
    """A claimed batch: its open transaction, its rows, and the future of its acks."""

    session: AsyncSession
    rows: Sequence[Row[Any, Any, Any, Any, Any, Any]]
    acked: asyncio.Future[None]


async def _discard(session: AsyncSession) -> None:
    await session.rollback()
    await session.close()


class OutboxRelay:
    """Claims unpublished outbox rows, publishes them, then marks them published.

    Batches are pipelined: each is claimed in its own transaction (SKIP LOCKED passes over
    the rows of batches still in flight) and queued while earlier ones await their acks,
    so Kafka never waits on the database. Batches are marked in order, and when a send
    fails the producer drops everything queued behind it (see KafkaPublisher.send), so a
    later event of an aggregate never reaches Kafka before an earlier one.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        outbox: OutboxLog,
        publisher: Publisher,
        *,
        batch_size: int = 1000,
        window: int = 3,
        poll_interval: float = 0.5,
        max_backoff: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._publisher = publisher
        self._window = window
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._wakeup = asyncio.Event()
        self._leader_key = zlib.crc32(f"outbox-relay:{outbox.source}".encode())
        self._headers = constant_headers(outbox.source)
        table = outbox.table
        self._claim = (
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
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        self._mark_pg = (
            update(table)
            .where(table.c.seq == any_(bindparam("seqs", type_=ARRAY(BigInteger))))
            .values(published_at=func.now())
        )
        self._mark_other = (
            update(table)
            .where(table.c.seq.in_(bindparam("seqs", expanding=True)))
            .values(published_at=func.now())
        )

    def wake(self) -> None:
        """Ask the relay to look for new rows now (called on NOTIFY or by an in-process writer)."""
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop`, as the one leader of this service's relays, backing off on errors."""
        backoff = 0.1
        while not stop.is_set():
            try:
                async with self._leadership() as leading:
                    while leading() and not stop.is_set():
                        await self.relay_pending()
                        backoff = 0.1
                        await self._wait_for_work(stop)
                if not stop.is_set():
                    await self._wait_for_work(stop)  # another instance leads: stand by
            except Exception as exc:
                log.warning("outbox.relay_failed", error=type(exc).__name__, retry_in=backoff)
                await self._record_failure(exc)
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._max_backoff)

    async def relay_pending(self) -> int:
        """Publish every unpublished row, batches pipelined; return how many were sent."""
        window: collections.deque[_InFlight] = collections.deque()
        depth = self._window if self._engine.dialect.name == "postgresql" else 1
        sent = 0
        try:
            while batch := await self._claim_and_send(self._sessions()):
                window.append(batch)
                if len(window) >= depth:
                    sent += await self._settle(window.popleft())
            while window:
                sent += await self._settle(window.popleft())
            return sent
        except BaseException:
            for batch in window:  # their rows stay unpublished and go out again, in order
                await _discard(batch.session)
            raise

    async def relay_batch(self) -> int:
        """Publish one batch of unpublished rows and mark it; return how many were sent."""
        batch = await self._claim_and_send(self._sessions())
        return 0 if batch is None else await self._settle(batch)

    async def _claim_and_send(self, session: AsyncSession) -> _InFlight | None:
        """Claim a batch in a new transaction (kept open) and queue it for Kafka."""
        try:
            await session.begin()
            rows = (await session.execute(self._claim)).all()
            if not rows:
                await _discard(session)
                return None
            acked = await self._publisher.send(outbox_messages(rows, self._headers))
        except BaseException:
            await _discard(session)
            raise
        return _InFlight(session, rows, acked)

    async def _settle(self, batch: _InFlight) -> int:
        """Wait for the batch's acknowledgements, then mark its rows published."""
        try:
            await batch.acked
            fault_point("relay.after_ack")
        except BaseException:
            await _discard(batch.session)
            raise
        await self._mark_and_commit(batch.session, batch.rows)
        return len(batch.rows)

    async def _mark_and_commit(
        self, session: AsyncSession, rows: Sequence[Row[Any, Any, Any, Any, Any, Any]]
    ) -> None:
        """Mark the acknowledged rows published and end their transaction."""
        try:
            mark = self._mark_pg if dialect_name(session) == "postgresql" else self._mark_other
            await session.execute(mark, {"seqs": [row.seq for row in rows]})
            await session.commit()
        finally:
            await session.close()
        log.debug("outbox.relayed", count=len(rows), last_seq=rows[-1].seq)

    @contextlib.asynccontextmanager
    async def _leadership(self) -> AsyncIterator[Callable[[], bool]]:
        """On PostgreSQL, hold a session advisory lock: one relay per service sends at a time."""
        engine = self._engine
        if engine.dialect.name != "postgresql":
            yield lambda: True  # SQLite: every write transaction is serialised anyway
            return
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            held = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": self._leader_key}
            )
            try:
                yield lambda: bool(held) and not connection.closed and not connection.invalidated
            finally:
                if held and not connection.invalidated:
                    await connection.execute(
                        text("SELECT pg_advisory_unlock(:k)"), {"k": self._leader_key}
                    )

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


Headers = tuple[tuple[str, bytes], ...]


def constant_headers(source: str) -> Headers:
    """The headers every message of one source carries."""
    return (("ce_source", source.encode()), ("content-type", b"application/cloudevents+json"))


def outbox_messages(
    rows: Sequence[Row[Any, Any, Any, Any, Any, Any]], constant: Headers
) -> list[OutgoingMessage]:
    """Outbox rows as Kafka messages: the stored envelope bytes, keyed by aggregate id."""
    return [_message(row, constant) for row in rows]


def _message(row: Row[Any, Any, Any, Any, Any, Any], constant: Headers) -> OutgoingMessage:
    _seq, topic, key, envelope, event_id, event_type = row  # unpacked: faster than by name
    headers = (("ce_id", event_id.encode()), ("ce_type", event_type.encode()), *constant)
    return OutgoingMessage(topic=topic, key=key, value=envelope.encode(), headers=headers)


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
