"""The consumer runner: inbox-deduplicated handling, offsets after commit, poison parking."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.aio import sleep_or_stop
from shared.db import SessionFactory, dialect_name
from shared.events.base import Event
from shared.events.envelope import Envelope
from shared.events.registry import EventRegistry, UnknownEventType, UnknownFutureVersion
from shared.faults import fault_point
from shared.inbox import aggregate_is_parked, claim, claim_many, parked_among
from shared.kafka import IncomingRecord, KafkaPublisher, KafkaSubscription, OutgoingMessage

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class MessageContext:
    """What a handler gets besides the event: the transaction's session and the envelope."""

    session: AsyncSession
    envelope: Envelope
    consumer: str


Handler = Callable[[MessageContext, Any], Awaitable[None]]


class Outcome(Enum):
    """What became of one record."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    PARKED = "parked"


class PoisonEvent(Exception):
    """A record that can never be applied as it is."""


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

    @property
    def dlq_topic(self) -> str:
        """Where this consumer's parked events are copied."""
        return f"{self.name}.dlq"


class ConsumerRunner:
    """Consumes, applies each event once in its own transaction, commits offsets afterwards."""

    def __init__(
        self,
        config: ConsumerConfig,
        registry: EventRegistry,
        sessions: SessionFactory,
        bootstrap: str,
        *,
        session_timeout_ms: int = 10000,
    ) -> None:
        self.config = config
        self._registry = registry
        self._sessions = sessions
        self._bootstrap = bootstrap
        self._session_timeout_ms = session_timeout_ms
        self._dlq = KafkaPublisher(bootstrap, client_id=f"{config.name}-dlq")
        self._dlq_pending = True

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
        await self._dlq.close()

    async def _consume(self, subscription: KafkaSubscription, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.flush_dlq()
            offsets: dict[tuple[str, int], int] = {}
            for records in await subscription.fetch(timeout_ms=300, max_records=500):
                await self.handle_batch(records)
                offsets[(records[-1].topic, records[-1].partition)] = records[-1].offset + 1
            await self.flush_dlq()
            await subscription.commit(offsets)

    async def handle_batch(self, records: Sequence[IncomingRecord]) -> None:
        """Apply one partition's records in order: in one transaction when all go well."""
        if len(records) > 1 and await self._apply_together(records):
            fault_point("consumer.after_db_commit")
            return
        for record in records:
            await self.handle(record)

    async def _apply_together(self, records: Sequence[IncomingRecord]) -> bool:
        """One transaction, one inbox claim for the batch; False (rolled back) on any trouble."""
        cfg = self.config
        try:
            async with self._sessions() as session, session.begin():
                envelopes = [decode_envelope(r.value) for r in records]
                aggregates = {r.key or e.subject for r, e in zip(records, envelopes, strict=True)}
                if await parked_among(session, cfg.parked, cfg.name, aggregates):
                    return False
                ids = [e.id for e in envelopes]
                fresh = (
                    await claim_many(session, cfg.inbox, cfg.name, ids)
                    if cfg.use_inbox
                    else set(ids)
                )
                for envelope in envelopes:
                    if envelope.id in fresh:
                        fresh.discard(envelope.id)  # a resent duplicate in the same batch
                        await self._dispatch(session, envelope, self._decode(envelope))
        except Exception as exc:
            # the records are handled one by one, with retries and parking, instead
            log.info("consumer.batch_fallback", consumer=cfg.name, error=type(exc).__name__)
            return False
        return True

    async def _dispatch(self, session: AsyncSession, envelope: Envelope, event: Event) -> Outcome:
        handler = self.config.handlers.get(event.TYPE)
        if handler is None:
            return Outcome.IGNORED
        with structlog.contextvars.bound_contextvars(
            event_id=envelope.id, event_type=envelope.type, correlation_id=envelope.correlationid
        ):
            await handler(MessageContext(session, envelope, self.config.name), event)
        return Outcome.APPLIED

    async def handle(self, record: IncomingRecord) -> Outcome:
        """Apply one record, retrying failures, and park it when it cannot be applied."""
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                outcome = await self._apply(record)
            except PoisonEvent as exc:
                return await self._park(record, str(exc), attempt)
            except Exception as exc:
                if attempt == self.config.max_attempts and is_transient(exc):
                    raise  # the database is away: stop here, the offset stays uncommitted
                if attempt == self.config.max_attempts:
                    return await self._park(
                        record, f"handler kept failing: {describe(exc)}", attempt
                    )
                log.warning("consumer.retry", consumer=self.config.name, error=type(exc).__name__)
            else:
                fault_point("consumer.after_db_commit")
                return outcome
            await asyncio.sleep(self.config.retry_backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def _apply(self, record: IncomingRecord) -> Outcome:
        cfg = self.config
        async with self._sessions() as session, session.begin():
            envelope = decode_envelope(record.value)
            aggregate = record.key or envelope.subject
            if await aggregate_is_parked(session, cfg.parked, cfg.name, aggregate):
                raise PoisonEvent("held back: an earlier event of this aggregate is parked")
            if cfg.use_inbox and not await claim(session, cfg.inbox, cfg.name, envelope.id):
                return Outcome.DUPLICATE
            event = self._decode(envelope)
            handler = cfg.handlers.get(event.TYPE)
            if handler is None:
                return Outcome.IGNORED
            with structlog.contextvars.bound_contextvars(
                event_id=envelope.id,
                event_type=envelope.type,
                correlation_id=envelope.correlationid,
            ):
                await handler(MessageContext(session, envelope, cfg.name), event)
        return Outcome.APPLIED

    def _decode(self, envelope: Envelope) -> Event:
        try:
            return self._registry.decode(envelope)
        except (UnknownEventType, UnknownFutureVersion) as exc:
            raise PoisonEvent(str(exc)) from exc
        except ValidationError as exc:
            raise PoisonEvent(f"data does not match {envelope.type}: {summarise(exc)}") from exc

    async def _park(self, record: IncomingRecord, error: str, attempts: int) -> Outcome:
        envelope = _try_envelope(record.value)
        row = {
            "consumer": self.config.name,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "aggregate": record.key or (envelope.subject if envelope else None),
            "event_id": envelope.id if envelope else None,
            "event_type": envelope.type if envelope else None,
            "error": error[:1000],
            "attempts": attempts,
            "value": record.value,
            "headers": json.dumps(
                {k: v.decode(errors="replace") for k, v in record.headers.items()}
            ),
            "parked_at": datetime.now(UTC),
        }
        async with self._sessions() as session, session.begin():
            dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
            await session.execute(
                dialect.insert(self.config.parked).values(row).on_conflict_do_nothing()
            )
        log.warning(
            "consumer.parked",
            consumer=self.config.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=error.split(":", 1)[0],
        )
        self._dlq_pending = True
        return Outcome.PARKED

    async def flush_dlq(self) -> None:
        """Copy parked events not yet copied to `<consumer>.dlq`, with their origin headers."""
        if not self._dlq_pending:
            return
        parked = self.config.parked
        async with self._sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(parked)
                    .where(parked.c.consumer == self.config.name, parked.c.dlq_sent_at.is_(None))
                    .order_by(parked.c.id)
                )
            ).all()
            if rows:
                await self._dlq.publish([self._dlq_message(row) for row in rows])
                await session.execute(
                    update(parked)
                    .where(parked.c.id.in_([row.id for row in rows]))
                    .values(dlq_sent_at=datetime.now(UTC))
                )
        self._dlq_pending = False

    def _dlq_message(self, row: Any) -> OutgoingMessage:
        origin = {k: v.encode() for k, v in json.loads(row.headers).items()}
        origin.update(
            {
                "dlq_consumer": self.config.name.encode(),
                "dlq_origin_topic": row.topic.encode(),
                "dlq_origin_partition": str(row.partition).encode(),
                "dlq_origin_offset": str(row.offset).encode(),
                "dlq_error": row.error.encode(),
                "dlq_attempts": str(row.attempts).encode(),
            }
        )
        return OutgoingMessage(
            topic=self.config.dlq_topic,
            key=row.aggregate or "",
            value=row.value or b"",
            headers=tuple(origin.items()),
        )


def decode_envelope(value: bytes | None) -> Envelope:
    """Parse a record's value as a CloudEvents envelope, or raise PoisonEvent saying why."""
    if not value:
        raise PoisonEvent("empty record value")
    try:
        raw = json.loads(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PoisonEvent("malformed JSON") from exc
    if not isinstance(raw, dict):
        raise PoisonEvent("envelope is not a JSON object")
    if not raw.get("id"):
        raise PoisonEvent("missing id")
    try:
        return Envelope.model_validate(raw)
    except ValidationError as exc:
        raise PoisonEvent(f"invalid envelope: {summarise(exc)}") from exc


def _try_envelope(value: bytes | None) -> Envelope | None:
    try:
        return decode_envelope(value)
    except PoisonEvent:
        return None


def summarise(exc: ValidationError) -> str:
    """Field locations and error kinds, never the offending values (they may be personal)."""
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['type']}" for e in exc.errors())


def is_transient(exc: BaseException) -> bool:
    """True for failures that say nothing about the event: the database or network is away."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | OSError | TimeoutError)


def describe(exc: BaseException) -> str:
    """An exception's type and first line, cut short; SQL errors give their type only."""
    if isinstance(exc, SQLAlchemyError):
        return type(exc).__name__
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first_line[:200]}"
