"""The inbox (one claim per consumer and event) and the parking lot for poison events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    exists,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import UtcDateTime, dialect_name


def define_inbox_tables(metadata: MetaData) -> tuple[Table, Table]:
    """The inbox and parked-event tables of one service."""
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(128), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
    parked = Table(
        "parked_events",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("consumer", String(128), nullable=False),
        Column("topic", String(255), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("aggregate", String(128), nullable=True, index=True),
        Column("event_id", String(64), nullable=True),
        Column("event_type", String(255), nullable=True),
        Column("reason", String(64), nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("value", LargeBinary, nullable=True),
        Column("headers", Text, nullable=False),
        Column("parked_at", UtcDateTime(), nullable=False),
        Column("dlq_sent_at", UtcDateTime(), nullable=True),
        Column("resolved_at", UtcDateTime(), nullable=True),
        UniqueConstraint("consumer", "topic", "partition", "offset", name="uq_parked_origin"),
    )
    return inbox, parked


async def claim(session: AsyncSession, inbox: Table, consumer: str, event_id: str) -> bool:
    """Record that `consumer` handles `event_id`; False when it already did."""
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    statement = (
        dialect.insert(inbox)
        .values(consumer=consumer, event_id=event_id, processed_at=datetime.now(UTC))
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    return (await session.execute(statement)).first() is not None


async def aggregate_is_parked(
    session: AsyncSession, parked: Table, consumer: str, aggregate: str | None
) -> bool:
    """True while an unresolved parked event holds this aggregate back."""
    if aggregate is None:
        return False
    query = select(
        exists().where(
            parked.c.consumer == consumer,
            parked.c.aggregate == aggregate,
            parked.c.resolved_at.is_(None),
        )
    )
    return bool((await session.execute(query)).scalar())


async def claim_many(
    session: AsyncSession, inbox: Table, consumer: str, event_ids: Sequence[str]
) -> set[str]:
    """Claim a batch of events at once; returns the ids this consumer had not handled yet."""
    unique = list(dict.fromkeys(event_ids))
    if dialect_name(session) != "postgresql":
        return {i for i in unique if await claim(session, inbox, consumer, i)}
    # one cached statement whatever the batch size: a VALUES list would be recompiled each time
    statement = text(
        f"INSERT INTO {inbox.name} (consumer, event_id, processed_at) "
        "SELECT :consumer, unnest(CAST(:ids AS varchar[])), now() "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    )
    rows = await session.execute(statement, {"consumer": consumer, "ids": unique})
    return set(rows.scalars())


async def parked_among(
    session: AsyncSession, parked: Table, consumer: str, aggregates: Iterable[str]
) -> bool:
    """True when any of these aggregates is held back by an unresolved parked event."""
    query = select(
        exists().where(
            parked.c.consumer == consumer,
            parked.c.aggregate.in_(bindparam("aggregates", expanding=True)),
            parked.c.resolved_at.is_(None),
        )
    )
    return bool((await session.execute(query, {"aggregates": list(aggregates)})).scalar())
