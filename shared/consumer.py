"""The consumer runner: inbox-deduplicated handling, offsets after commit, poison parking."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import Table, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from shared.aio import sleep_or_stop
from shared.clock import wall_clock
from shared.db import SessionFactory, lock_waiters
from shared.events.base import Event
from shared.events.envelope import Envelope
from shared.events.registry import EventRegistry, UnknownEventType, UnknownFutureVersion
from shared.faults import fault_point
from shared.inbox import aggregate_is_parked, claim, claim_many, parked_among
from shared.kafka import IncomingRecord, KafkaSubscription
from shared.outbox import Metadata, OutboxLog
from shared.poison import (
    ParkingLot,
    PoisonEvent,
    aggregate_of,
    decode_envelope,
    describe,
    is_transient,
    summarise,
)

log = structlog.get_logger(__name__)

FETCH_RECORDS = 500
"""Records fetched at once; on PostgreSQL a partition's share is applied in one transaction."""
SQLITE_CHUNK = 20
"""On SQLite, records applied per transaction: the write lock is never held for long."""
GIVE_WAY = 0.15
"""Seconds a consumer pauses between its SQLite transactions while others wait for the lock:
longer than the busy handler's longest poll (100 ms), so they get their turn."""


@dataclass(frozen=True)
class MessageContext:
    """What a handler gets besides the event: the transaction's session, the envelope, and
    (for a consumer of a service that publishes) the outbox its own events go to."""

    session: AsyncSession
    envelope: Envelope
    consumer: str
    outbox: OutboxLog | None = None
    clock: Callable[[], datetime] = field(default=wall_clock)
    """The service's clock: what a handler calls "now"."""

    def record(self, *events: Event) -> None:
        """Stage events caused by this one: the runner appends them to the outbox in the same
        transaction as the handler's changes and the inbox claim, so they exist exactly once."""
        if self.outbox is None:
            raise RuntimeError(f"consumer {self.consumer} was given no outbox to record events")
        meta = Metadata(
            actor=f"service:{self.outbox.source}",
            correlationid=self.envelope.correlationid or self.envelope.id,
            causationid=self.envelope.id,
        )
        now = self.clock()
        staged: list[Envelope] = self.session.info.setdefault(_STAGED, [])
        staged.extend(self.outbox.envelope(event, meta, now=now) for event in events)


_STAGED = "consumer_staged_events"


Handler = Callable[[MessageContext, Any], Awaitable[None]]
Subscriptions = Mapping[str, Callable[..., Awaitable[None]]]
"""A consumer's routing table: event type -> handler(ctx, event, *dependencies it names)."""


def bind(
    subscriptions: Mapping[str, Callable[..., Awaitable[None]]], **given: Any
) -> dict[str, Handler]:
    """Each handler of `subscriptions` with the dependencies it names after (ctx, event)
    taken from `given` (e.g. `keys`): the routing table stays a module-level dict, and
    bootstrap hands each handler only what it asks for."""
    bound: dict[str, Handler] = {}
    for event_type, handler in subscriptions.items():
        wanted = list(inspect.signature(handler).parameters)[2:]
        missing = [name for name in wanted if name not in given]
        if missing:
            raise TypeError(f"{handler.__qualname__} needs {missing}, which were not given")
        picked = {name: given[name] for name in wanted}
        bound[event_type] = functools.partial(handler, **picked) if picked else handler
    return bound


class Outcome(Enum):
    """What became of one record."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    PARKED = "parked"


class HandlerCommitted(RuntimeError):
    """A handler tried to commit: only the runner ends a transaction (after its inbox claim)."""


@dataclass(frozen=True)
class ConsumerConfig:
    """One consumer: its group name, topics, handlers by event type, and its tables."""

    name: str
    topics: Sequence[str]
    handlers: Mapping[str, Handler]
    inbox: Table
    parked: Table
    max_attempts: int = 4
    retry_backoff: float = 0.2
    use_inbox: bool = True
    prepare: Callable[[Sequence[Envelope]], Awaitable[None]] | None = None
    """Fetches what the handlers will need from elsewhere (e.g. persons' keys) before the
    transaction opens, so that no remote call holds the database (SQLite's one write lock)."""

    @property
    def dlq_topic(self) -> str:
        """Where this consumer's parked events are copied."""
        return f"{self.name}.dlq"


def subscribe(
    name: str,
    topics: Sequence[str],
    subscriptions: Subscriptions,
    tables: tuple[Table, Table],
    *,
    prepare: Callable[[Sequence[Envelope]], Awaitable[None]] | None = None,
    **given: Any,
) -> ConsumerConfig:
    """A consumer of `topics` applying `subscriptions`, its handlers given what they name
    from `given`, with the service's (inbox, parked) tables."""
    inbox, parked = tables
    handlers = bind(subscriptions, **given)
    return ConsumerConfig(name, topics, handlers, inbox, parked, prepare=prepare)


class ConsumerRunner:
    """Consumes, applies each event once, commits offsets after the database commit."""

    def __init__(
        self,
        config: ConsumerConfig,
        registry: EventRegistry,
        sessions: SessionFactory,
        bootstrap: str,
        *,
        session_timeout_ms: int = 10000,
        outbox: OutboxLog | None = None,
        on_commit: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.config = config
        self._clock = clock
        self._outbox = outbox
        self._on_commit = on_commit
        self._registry = registry
        self._sessions = sessions
        self._bootstrap = bootstrap
        self._session_timeout_ms = session_timeout_ms
        self.parking = ParkingLot(config.name, config.parked, sessions, bootstrap)
        self.caught_up = asyncio.Event()
        """Set once the runner has applied everything its topics held when it looked."""
        bind = sessions.kw.get("bind")
        engine = bind.sync_engine if bind is not None else None
        # SQLite has one write lock: a long transaction makes every request wait behind it
        self._sqlite = engine if engine is not None and engine.dialect.name == "sqlite" else None

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop`; the Kafka client is recreated whenever it fails."""
        backoff = 0.5
        while not stop.is_set():
            subscription = KafkaSubscription(
                self._bootstrap,
                group_id=self.config.name,
                topics=self.config.topics,
                session_timeout_ms=self._session_timeout_ms,
            )
            try:
                await subscription.start()
                backoff = 0.5
                await self._consume(subscription, stop)
            except Exception as exc:
                log.warning(
                    "consumer.restarting", consumer=self.config.name, error=type(exc).__name__
                )
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                await subscription.stop()
        await self.parking.close()

    async def _consume(self, subscription: KafkaSubscription, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.parking.flush()
            offsets: dict[tuple[str, int], int] = {}
            fetched = await subscription.fetch(timeout_ms=300, max_records=FETCH_RECORDS)
            for records in fetched:
                await self.handle_batch(records)
                offsets[(records[-1].topic, records[-1].partition)] = records[-1].offset + 1
            await self.parking.flush()
            await subscription.commit(offsets)
            if not self.caught_up.is_set() and await subscription.caught_up():
                self.caught_up.set()

    async def handle_batch(self, records: Sequence[IncomingRecord]) -> None:
        """Apply one partition's records in order, a chunk per transaction when all go well."""
        size = SQLITE_CHUNK if self._sqlite is not None else FETCH_RECORDS
        for start in range(0, len(records), size):
            if start and lock_waiters(self._sqlite):
                await asyncio.sleep(GIVE_WAY)
            await self._handle_chunk(records[start : start + size])

    async def _handle_chunk(self, records: Sequence[IncomingRecord]) -> None:
        await self._prepare(records)
        if len(records) > 1 and await self._apply_together(records):
            fault_point("consumer.after_db_commit")
            return
        for record in records:
            await self.handle(record)

    async def handle(self, record: IncomingRecord) -> Outcome:
        """Apply one record, retrying failures, and park it when it cannot be applied."""
        for attempt in range(1, self.config.max_attempts + 1):
            await self._prepare([record])
            try:
                outcome = await self._apply(record)
            except PoisonEvent as poison:
                await self.parking.park(record, poison, attempt)
                return Outcome.PARKED
            except Exception as exc:
                if attempt == self.config.max_attempts and is_transient(exc):
                    raise  # the database is away: stop here, the offset stays uncommitted
                if attempt == self.config.max_attempts:
                    failed = PoisonEvent("handler_failed", f"handler kept failing: {describe(exc)}")
                    await self.parking.park(record, failed, attempt)
                    return Outcome.PARKED
                log.warning("consumer.retry", consumer=self.config.name, error=type(exc).__name__)
            else:
                fault_point("consumer.after_db_commit")
                return outcome
            await asyncio.sleep(self.config.retry_backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def _prepare(self, records: Sequence[IncomingRecord]) -> None:
        """Give the consumer's `prepare` the records' envelopes, outside any transaction."""
        if self.config.prepare is None:
            return
        envelopes = []
        for record in records:
            with contextlib.suppress(Exception):  # an unreadable record is parked by handle()
                envelopes.append(decode_envelope(record.value))
        try:
            await self.config.prepare(envelopes)
        except Exception as exc:  # only a head start: the handlers fetch whatever is missing
            log.info("consumer.prepare_failed", consumer=self.config.name, error=type(exc).__name__)

    async def _apply(self, record: IncomingRecord) -> Outcome:
        cfg = self.config
        async with self._transaction() as session:
            envelope = decode_envelope(record.value)
            if cfg.use_inbox and not await claim(session, cfg.inbox, cfg.name, envelope.id):
                return Outcome.DUPLICATE
            aggregate = aggregate_of(record, envelope)
            if await aggregate_is_parked(session, cfg.parked, cfg.name, aggregate):
                # raising rolls the claim back: the event stays unhandled, parked behind the other
                raise PoisonEvent(
                    "held_back", "held back: an earlier event of this aggregate is parked"
                )
            return await self._dispatch(session, envelope)

    async def _apply_together(self, records: Sequence[IncomingRecord]) -> bool:
        """One transaction, one inbox claim for the batch; False (rolled back) on any trouble."""
        cfg = self.config
        try:
            async with self._transaction() as session:
                envelopes = [decode_envelope(r.value) for r in records]
                ids = [e.id for e in envelopes]
                fresh = (
                    await claim_many(session, cfg.inbox, cfg.name, ids)
                    if cfg.use_inbox
                    else set(ids)
                )
                pairs = zip(records, envelopes, strict=True)
                aggregates = {a for r, e in pairs if (a := aggregate_of(r, e)) is not None}
                if await parked_among(session, cfg.parked, cfg.name, aggregates):
                    raise PoisonEvent("held_back", "an aggregate of the batch is parked")
                for envelope in envelopes:
                    if envelope.id in fresh:
                        fresh.discard(envelope.id)  # a resent duplicate in the same batch
                        await self._dispatch(session, envelope)
        except Exception as exc:
            # the records are handled one by one, with retries and parking, instead
            log.info("consumer.batch_fallback", consumer=cfg.name, error=type(exc).__name__)
            return False
        return True

    async def _dispatch(self, session: AsyncSession, envelope: Envelope) -> Outcome:
        """Hand the event to its handler; types this consumer does not handle are ignored."""
        try:
            handler = self.config.handlers.get(self._registry.resolve(envelope.type))
        except UnknownEventType as exc:
            raise PoisonEvent("unknown_type", str(exc)) from exc
        except UnknownFutureVersion as exc:
            raise PoisonEvent("future_version", str(exc)) from exc
        if handler is None:
            return Outcome.IGNORED
        try:
            decoded: Event = self._registry.decode(envelope)
        except ValidationError as exc:
            raise PoisonEvent(
                "invalid_data", f"data does not match {envelope.type}: {summarise(exc)}"
            ) from exc
        with structlog.contextvars.bound_contextvars(
            event_id=envelope.id, event_type=envelope.type, correlation_id=envelope.correlationid
        ):
            await handler(
                MessageContext(session, envelope, self.config.name, self._outbox, self._clock),
                decoded,
            )
        return Outcome.APPLIED

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction only the runner may commit, once every handler has returned."""
        async with self._sessions() as session:
            event.listen(session.sync_session, "before_commit", _only_the_runner_commits)
            async with session.begin():
                yield session
                staged: list[Envelope] = session.info.pop(_STAGED, [])
                if staged and self._outbox is not None:
                    await self._outbox.append(session, staged)
                session.info["runner_commits"] = True
            if staged and self._on_commit is not None:
                self._on_commit()


def _only_the_runner_commits(session: Session) -> None:
    if session.in_nested_transaction():
        return  # releasing a handler's savepoint is not a commit
    if not session.info.get("runner_commits"):
        raise HandlerCommitted("handlers never commit: the consumer runner does, after its claim")
