"""Poison events: why a record cannot be applied, and the parking lot with its DLQ copies."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import SessionFactory, dialect_name
from shared.events.envelope import Envelope
from shared.kafka import IncomingRecord, KafkaPublisher, OutgoingMessage

log = structlog.get_logger(__name__)

DLQ_RETRY_SECONDS = 5.0


class PoisonEvent(Exception):
    """A record that can never be applied as it is; `code` names the reason, for machines."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def decode_envelope(value: bytes | None) -> Envelope:
    """Parse a record's value as a CloudEvents envelope, or raise PoisonEvent saying why."""
    if not value:
        raise PoisonEvent("empty_value", "empty record value")
    try:
        raw = json.loads(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PoisonEvent("malformed_json", "malformed JSON") from exc
    if not isinstance(raw, dict):
        raise PoisonEvent("not_an_object", "envelope is not a JSON object")
    if not raw.get("id"):
        raise PoisonEvent("missing_id", "missing id")
    try:
        return Envelope.model_validate(raw)
    except ValidationError as exc:
        raise PoisonEvent("invalid_envelope", f"invalid envelope: {summarise(exc)}") from exc


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


def clean(text: str | None, limit: int) -> str | None:
    """Text fit for a database column whatever a record held: no NUL, bounded length."""
    return None if text is None else text.replace("\x00", "\ufffd")[:limit]


def aggregate_of(record: IncomingRecord, envelope: Envelope | None) -> str | None:
    """The aggregate a record is about: its Kafka key, else its envelope's subject."""
    return clean(record.key or (envelope.subject if envelope else None), 128)


class ParkingLot:
    """Parks poison records in the consumer's database and copies them to `<consumer>.dlq`."""

    def __init__(self, name: str, table: Table, sessions: SessionFactory, bootstrap: str) -> None:
        self.name = name
        self.dlq_topic = f"{name}.dlq"
        self._table = table
        self._sessions = sessions
        self._dlq = KafkaPublisher(bootstrap, client_id=f"{name}-dlq")
        self._pending = True  # copies left over from a previous run are sent at start
        self._retry_at = 0.0

    async def park(self, record: IncomingRecord, poison: PoisonEvent, attempts: int) -> None:
        """Record the poison event; the DLQ copy follows in `flush`."""
        try:
            await self._insert(self._row(record, poison, attempts))
        except SQLAlchemyError as exc:
            if is_transient(exc):
                raise
            # whatever the record holds, parking must not fail: keep where it came from
            await self._insert(self._row(record, poison, attempts, minimal=True))
        log.warning(
            "consumer.parked",
            consumer=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=poison.code,
        )
        self._pending = True

    async def flush(self) -> None:
        """Copy parked events not yet copied to the DLQ; a failure is retried later."""
        if not self._pending or time.monotonic() < self._retry_at:
            return
        try:
            await self._flush()
        except Exception as exc:  # the parked rows are safe; consuming goes on meanwhile
            log.warning("consumer.dlq_copy_failed", consumer=self.name, error=type(exc).__name__)
            self._retry_at = time.monotonic() + DLQ_RETRY_SECONDS
            return
        self._pending = False

    async def _flush(self) -> None:
        table = self._table
        query = (
            select(table)
            .where(table.c.consumer == self.name, table.c.dlq_sent_at.is_(None))
            .order_by(table.c.id)
        )
        async with self._sessions() as session:
            if dialect_name(session) == "postgresql":
                # rows stay locked while they are sent: two members never copy the same one
                async with session.begin():
                    rows = (await session.execute(query.with_for_update(skip_locked=True))).all()
                    await self._dlq.publish([self._message(row) for row in rows])
                    await self._mark_copied(session, rows)
            else:
                # SQLite: its single write lock is never held while Kafka answers
                async with session.begin():
                    rows = (await session.execute(query)).all()
                await self._dlq.publish([self._message(row) for row in rows])
                async with session.begin():
                    await self._mark_copied(session, rows)

    async def _mark_copied(self, session: AsyncSession, rows: Sequence[Any]) -> None:
        marked = update(self._table).where(self._table.c.id.in_([row.id for row in rows]))
        await session.execute(marked.values(dlq_sent_at=datetime.now(UTC)))

    async def close(self) -> None:
        """Stop the DLQ producer."""
        await self._dlq.close()

    async def _insert(self, row: dict[str, Any]) -> None:
        async with self._sessions() as session, session.begin():
            dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
            statement = dialect.insert(self._table).values(row).on_conflict_do_nothing()
            await session.execute(statement)

    def _row(
        self, record: IncomingRecord, poison: PoisonEvent, attempts: int, *, minimal: bool = False
    ) -> dict[str, Any]:
        envelope = None if minimal else _try_envelope(record.value)
        # values are cut, never the serialised JSON: the DLQ copy must parse it back
        headers = {
            k.replace("\x00", "")[:255]: v.decode(errors="replace").replace("\x00", "")[:4096]
            for k, v in ({} if minimal else record.headers).items()
        }
        return {
            "consumer": self.name,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "aggregate": aggregate_of(record, envelope),
            "event_id": clean(envelope.id, 64) if envelope else None,
            "event_type": clean(envelope.type, 255) if envelope else None,
            "reason": poison.code,
            "error": clean(str(poison), 1000),
            "attempts": attempts,
            "value": record.value,
            "headers": json.dumps(headers),
            "parked_at": datetime.now(UTC),
        }

    def _message(self, row: Any) -> OutgoingMessage:
        origin = {k: v.encode() for k, v in json.loads(row.headers).items()}
        origin.update(
            {
                "dlq_consumer": self.name.encode(),
                "dlq_origin_topic": row.topic.encode(),
                "dlq_origin_partition": str(row.partition).encode(),
                "dlq_origin_offset": str(row.offset).encode(),
                "dlq_error": row.reason.encode(),  # a code: messages may carry personal data
                "dlq_attempts": str(row.attempts).encode(),
            }
        )
        return OutgoingMessage(
            topic=self.dlq_topic,
            key=row.aggregate or "",
            value=row.value or b"",
            headers=tuple(origin.items()),
        )


def _try_envelope(value: bytes | None) -> Envelope | None:
    try:
        return decode_envelope(value)
    except PoisonEvent:
        return None
