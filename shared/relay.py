"""The outbox relay: the only writer to Kafka, sending claimed rows pipelined in batches."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from sqlalchemy import BigInteger, Row, any_, bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.aio import sleep_or_stop
from shared.db import SessionFactory
from shared.faults import fault_point
from shared.kafka import OutgoingMessage
from shared.leader import Leadership, LeadershipLost
from shared.outbox import OutboxLog

log = structlog.get_logger(__name__)

OutboxRow = Row[Any, Any, Any, Any, Any, Any]
Headers = tuple[tuple[str, bytes], ...]


class EarlierRowsLocked(RuntimeError):
    """Unpublished rows before the claim are locked by another transaction: wait for them."""


class RelayStopped(Exception):
    """The relay was asked to stop while batches were in flight (they will go out again)."""


class Publisher(Protocol):
    """Queues messages for Kafka, in order, and refuses new ones after a failure until reset."""

    async def send(self, messages: Sequence[OutgoingMessage]) -> asyncio.Future[None]:
        """Queue the messages; the future resolves once the broker acknowledged them all."""
        ...

    async def reset(self) -> None:
        """Accept sends again after a failure (the caller has given up on what was queued)."""
        ...


@dataclass
class _InFlight:
    """A claimed batch: its transaction (PostgreSQL; None on SQLite), rows and acks."""

    session: AsyncSession | None
    rows: Sequence[OutboxRow]
    acked: asyncio.Future[None]


class OutboxRelay:
    """Claims unpublished outbox rows, publishes them, then marks them published.

    Batches are pipelined: each is claimed (FOR UPDATE SKIP LOCKED, passing over the rows
    of batches still in flight) and queued while earlier ones await their acks, and they
    are marked in order. Order per aggregate holds because one idempotent producer sends
    them in sequence: when a batch fails, later batches of its partitions fail too, the
    publisher refuses new sends, and the relay drops its whole window and starts again
    from the earliest unpublished row. One instance per service relays at a time.
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
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._postgres = self._engine.dialect.name == "postgresql"
        self._window = window if self._postgres else 1  # SQLite: one writer at a time
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._wakeup = asyncio.Event()
        self._leadership = Leadership(outbox.source)
        self._headers = constant_headers(outbox.source)
        self._claim, self._skipped, self._mark = _statements(
            outbox, batch_size, postgres=self._postgres
        )

    def wake(self) -> None:
        """Ask the relay to look for new rows now (called on NOTIFY or by an in-process writer)."""
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop`, as the one leader of this service's relays, backing off on errors."""
        backoff = 0.1
        while not stop.is_set():
            try:
                async with self._leadership.hold(self._engine) as leadership:
                    leading = leadership.held
                    if leading:
                        await self._lead(stop)
                if not leading:
                    await self._wait_for_work(stop)  # another instance leads: stand by
                backoff = 0.1
            except RelayStopped:
                return
            except Exception as exc:  # the database itself is away: try again later
                log.warning("outbox.relay_unavailable", error=type(exc).__name__, retry_in=backoff)
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._max_backoff)

    async def _lead(self, stop: asyncio.Event) -> None:
        """Relay while leading; failures are recorded and retried while the lock is still held."""
        backoff = 0.1
        while not stop.is_set():
            try:
                await self.relay_pending(stop)
                backoff = 0.1
                await self._wait_for_work(stop)
            except LeadershipLost:
                log.warning("outbox.leadership_lost")
                return
            except (RelayStopped, asyncio.CancelledError):
                raise
            except Exception as exc:
                log.warning("outbox.relay_failed", error=type(exc).__name__, retry_in=backoff)
                await self._record_failure(exc)
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._max_backoff)

    async def relay_pending(self, stop: asyncio.Event | None = None) -> int:
        """Publish every unpublished row, batches pipelined; return how many were sent."""
        await self._publisher.reset()
        window: collections.deque[_InFlight] = collections.deque()
        sent = 0
        try:
            while not (stop and stop.is_set()):
                batch = await self._claim_and_send(window[-1].rows[-1].seq if window else 0)
                if batch is None:
                    break
                window.append(batch)
                if len(window) >= self._window:
                    sent += await self._settle(window.popleft(), stop)
            while window:
                sent += await self._settle(window.popleft(), stop)
            return sent
        except BaseException:
            for batch in window:  # their rows stay unpublished and go out again, in order
                batch.acked.add_done_callback(_retrieve)
                await _end(batch.session)
            raise

    async def relay_batch(self) -> int:
        """Publish one batch of unpublished rows and mark it; return how many were sent."""
        await self._publisher.reset()
        batch = await self._claim_and_send(0)
        return 0 if batch is None else await self._settle(batch)

    async def _claim_and_send(self, after: int) -> _InFlight | None:
        """Claim the next rows past `after` and queue them; on PostgreSQL the claim stays open."""
        session = self._sessions()
        try:
            await session.begin()
            await self._leadership.check(session)
            rows = (await session.execute(self._claim, {"after": after})).all()
            if rows and await session.scalar(self._skipped, {"after": after, "first": rows[0].seq}):
                # SKIP LOCKED passed over rows another transaction holds: never overtake them
                raise EarlierRowsLocked(f"rows before seq {rows[0].seq} are held elsewhere")
            if not rows or not self._postgres:
                # SQLite: never hold its single write lock while Kafka answers
                await _end(session)
            if not rows:
                return None
            acked = await self._publisher.send(outbox_messages(rows, self._headers))
        except BaseException:
            await _end(session)
            raise
        return _InFlight(session if self._postgres else None, rows, acked)

    async def _settle(self, batch: _InFlight, stop: asyncio.Event | None = None) -> int:
        """Wait for the batch's acknowledgements, then mark its rows published."""
        try:
            await _unless_stopped(batch.acked, stop)
            fault_point("relay.after_ack")
        except BaseException:
            await _end(batch.session)
            raise
        session = batch.session or self._sessions()
        try:
            if not session.in_transaction():
                await session.begin()
            await session.execute(self._mark, {"seqs": [row.seq for row in batch.rows]})
            await session.commit()
        finally:
            await session.close()
        log.debug("outbox.relayed", count=len(batch.rows), last_seq=batch.rows[-1].seq)
        return len(batch.rows)

    async def _record_failure(self, exc: Exception) -> None:
        table = self._outbox.table
        first = select(table.c.seq).where(table.c.published_at.is_(None)).order_by(table.c.seq)
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(
                    update(table)
                    .where(table.c.seq == first.limit(1).scalar_subquery())
                    .values(attempts=table.c.attempts + 1, last_error=type(exc).__name__)
                )
        except Exception as failure:  # the database may be what failed: never let this escape
            log.warning("outbox.failure_not_recorded", error=type(failure).__name__)

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wakeup.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(
            waiters, timeout=self._poll_interval, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in waiters:
            waiter.cancel()
        self._wakeup.clear()


async def _unless_stopped(acked: asyncio.Future[None], stop: asyncio.Event | None) -> None:
    """Wait for the acknowledgements, or raise RelayStopped if `stop` comes first."""
    if stop is None:
        return await acked
    stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
    pending: set[asyncio.Future[Any]] = {acked, stopping}
    try:
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not acked.done():
        raise RelayStopped
    return acked.result()


def _statements(outbox: OutboxLog, batch_size: int, *, postgres: bool) -> tuple[Any, Any, Any]:
    """Claim, skipped-rows check and mark statements, built once (cached by the driver)."""
    table = outbox.table
    pending = table.c.published_at.is_(None)
    claim = (
        select(
            table.c.seq,
            table.c.topic,
            table.c.key,
            table.c.envelope,
            table.c.event_id,
            table.c.type,
        )
        .where(pending, table.c.seq > bindparam("after"))
        .order_by(table.c.seq)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    skipped = select(
        exists().where(pending, table.c.seq > bindparam("after"), table.c.seq < bindparam("first"))
    )
    seqs = (
        any_(bindparam("seqs", type_=ARRAY(BigInteger)))
        if postgres
        else bindparam("seqs", expanding=True)
    )
    condition = table.c.seq == seqs if postgres else table.c.seq.in_(seqs)
    mark = update(table).where(condition).values(published_at=func.now())
    return claim, skipped, mark


async def _end(session: AsyncSession | None) -> None:
    """End a transaction whatever state its connection is in; the rows stay unpublished."""
    if session is None:
        return
    try:
        await session.rollback()
    except Exception as exc:  # a dead connection: the server has rolled back already
        log.info("outbox.rollback_failed", error=type(exc).__name__)
    finally:
        await session.close()


def _retrieve(future: asyncio.Future[None]) -> None:
    """Collect the outcome of a dropped batch's acks (it is sent again anyway)."""
    if not future.cancelled():
        future.exception()


def constant_headers(source: str) -> Headers:
    """The headers every message of one source carries."""
    return (("ce_source", source.encode()), ("content-type", b"application/cloudevents+json"))


def outbox_messages(rows: Sequence[OutboxRow], constant: Headers) -> list[OutgoingMessage]:
    """Outbox rows as Kafka messages: the stored envelope bytes, keyed by aggregate id."""
    return [_message(row, constant) for row in rows]


def _message(row: OutboxRow, constant: Headers) -> OutgoingMessage:
    _seq, topic, key, envelope, event_id, event_type = row  # unpacked: faster than by name
    headers = (("ce_id", event_id.encode()), ("ce_type", event_type.encode()), *constant)
    return OutgoingMessage(topic=topic, key=key, value=envelope.encode(), headers=headers)
