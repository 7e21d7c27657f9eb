"""Transactional outbox: events written in the state change's transaction, hash-chained."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.chain import ChainReport, verify_chain
from shared.checkpoints import SigningKey, checkpoint_type
from shared.db import UtcDateTime, dialect_name
from shared.events.base import Event
from shared.events.checkpoints import Checkpoint
from shared.events.envelope import GENESIS_HASH, Envelope, canonical_json, chain_hash
from shared.web import ProblemError

# Kafka refuses a record over ~1 MB (message.max.bytes, the producer's max.request.size): an
# event that big would stop the relay at its seq and hold every later event behind it.
DEFAULT_MAX_EVENT_BYTES = 512 * 1024

Head = Row[Any, Any, Any]
"""The chain's newest row: its seq, hash and type."""


def define_outbox_table(metadata: MetaData) -> Table:
    """The outbox of one service; its rows are kept as that service's event log."""
    table = Table(
        "outbox",
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(255), nullable=False),
        Column("key", String(128), nullable=False),
        Column("type", String(255), nullable=False),
        Column("envelope", Text, nullable=False),
        Column("hash", String(64), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
    )
    Index(
        "ix_outbox_unpublished",
        table.c.seq,
        postgresql_where=table.c.published_at.is_(None),
        sqlite_where=table.c.published_at.is_(None),
    )
    return table


class EventTooLarge(ProblemError):
    """An event would be too large to publish; nothing of its transaction is written."""

    status = 413
    title = "Content Too Large"


@dataclass(frozen=True)
class Metadata:
    """Who caused an event and in answer to what."""

    actor: str | None = None
    actororg: str | None = None
    correlationid: str | None = None
    causationid: str | None = None


class OutboxLog:
    """Appends a service's events to its outbox, extending the hash chain."""

    def __init__(
        self,
        table: Table,
        *,
        source: str,
        topic: str,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self.table = table
        self.source = source
        self.topic = topic
        self.max_event_bytes = max_event_bytes
        self.channel = f"outbox_{source}"
        self._lock_key = zlib.crc32(f"outbox-append:{source}".encode())

    def envelope(self, event: Event, meta: Metadata, *, now: datetime) -> Envelope:
        """Wrap a contract in a CloudEvents envelope (chain fields are set on append)."""
        return Envelope(
            id=str(uuid.uuid4()),
            source=self.source,
            type=event.TYPE,
            subject=event.aggregate_key(),
            time=now,
            data=event.model_dump(mode="json"),
            correlationid=meta.correlationid,
            causationid=meta.causationid,
            actor=meta.actor,
            actororg=meta.actororg,
        )

    async def append(self, session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        """Insert the envelopes at the head of the chain, inside the caller's transaction."""
        if not envelopes:
            return
        head = await self._locked_head(session)
        await self._insert(session, head, envelopes)

    async def checkpoint(self, session: AsyncSession, key: SigningKey, now: datetime) -> int | None:
        """Sign the chain head and append it as a checkpoint, inside the caller's transaction:
        its seq, or None (nothing written) when no event came since the last checkpoint."""
        head = await self._locked_head(session)
        if head is None or head.type == checkpoint_type(self.source):
            return None  # never a checkpoint of a checkpoint
        signed = key.sign(self.source, head.seq, head.hash, now)
        envelope = Envelope(
            id=str(uuid.uuid4()),
            source=self.source,
            type=checkpoint_type(self.source),
            subject=self.source,
            time=now,
            data=Checkpoint.of(signed).model_dump(mode="json"),
        )
        await self._insert(session, head, [envelope])
        return int(head.seq) + 1

    async def since_checkpoint(self, session: AsyncSession, *, after: int = 0) -> tuple[int, int]:
        """The head's seq and the last checkpoint's (0 if none), looking for checkpoints only
        past `after` (a checkpoint seq already known), so the scan stays short."""
        c = self.table.c
        head = await session.scalar(select(c.seq).order_by(c.seq.desc()).limit(1))
        last = await session.scalar(
            select(c.seq)
            .where(c.seq > after, c.type == checkpoint_type(self.source))
            .order_by(c.seq.desc())
            .limit(1)
        )
        return int(head or 0), int(last or after)

    async def _locked_head(self, session: AsyncSession) -> Head | None:
        """The head of the chain, once this transaction alone may extend it."""
        if dialect_name(session) == "postgresql":
            # serialise appends so seq and prevhash follow commit order (SQLite transactions
            # begin IMMEDIATE: one writer at a time already)
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._lock_key})
        c = self.table.c
        query = select(c.seq, c.hash, c.type).order_by(c.seq.desc()).limit(1)
        return (await session.execute(query)).first()

    async def _insert(
        self,
        session: AsyncSession,
        head: Head | None,
        envelopes: Sequence[Envelope],
    ) -> None:
        seq, prevhash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        now = datetime.now(UTC)
        rows = []
        for envelope in envelopes:
            seq += 1
            wire = envelope.model_copy(update={"seq": seq, "prevhash": prevhash}).to_wire()
            wire["hash"] = prevhash = chain_hash(prevhash, wire)
            row = _row(self.topic, envelope, seq, wire, now)
            self._check_size(envelope, str(row["envelope"]))
            rows.append(row)
        await session.execute(insert(self.table), rows)
        if dialect_name(session) == "postgresql":
            await session.execute(text("SELECT pg_notify(:c, '')"), {"c": self.channel})

    def _check_size(self, envelope: Envelope, serialised: str) -> None:
        size = len(serialised.encode())
        if size > self.max_event_bytes:
            # raised before any insert: the caller's transaction rolls back whole
            raise EventTooLarge(
                f"The change would make a {envelope.type} event of {size} bytes; "
                f"events are limited to {self.max_event_bytes} bytes.",
                extra={"event_type": envelope.type, "limit": self.max_event_bytes},
            )


def _row(
    topic: str, envelope: Envelope, seq: int, wire: dict[str, object], now: datetime
) -> dict[str, object]:
    return {
        "seq": seq,
        "event_id": envelope.id,
        "topic": topic,
        "key": envelope.subject,
        "type": envelope.type,
        "envelope": canonical_json(wire).decode(),
        "hash": wire["hash"],
        "created_at": now,
    }


async def verify_log(
    session: AsyncSession,
    table: Table,
    topic: str | None = None,
    *,
    public_keys: Mapping[str, str] | None = None,
) -> ChainReport:
    """Verify a service's whole outbox log, streaming it in seq order; its checkpoints'
    signatures too when given the service's `public_keys` (by key id)."""
    c = table.c
    query = (
        select(c.seq, c.envelope, c.hash, c.event_id, c.key, c.type, c.topic)
        .order_by(c.seq)
        .execution_options(yield_per=1000)
    )
    rows = await session.stream(query)
    return verify_chain(
        [(r.seq, r.envelope, r.hash, (r.event_id, r.key, r.type, r.topic)) async for r in rows],
        topic=topic,
        public_keys=public_keys,
    )
