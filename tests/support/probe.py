"""A minimal service for backbone tests and benchmarks: outbox, inbox and a one-row effect."""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consumer import ConsumerConfig, ConsumerRunner, MessageContext
from shared.db import SessionFactory, create_engine, session_factory
from shared.events.base import Event
from shared.events.envelope import Envelope
from shared.events.registry import EventRegistry
from shared.inbox import define_inbox_tables
from shared.kafka import KafkaPublisher
from shared.logging import configure_logging
from shared.outbox import Metadata, OutboxLog, define_outbox_table
from shared.relay import OutboxRelay

metadata = MetaData()
outbox_table = define_outbox_table(metadata)
inbox_table, parked_table = define_inbox_tables(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("aggregate", String(128), nullable=False),
    Column("n", Integer, nullable=False),
)


class ThingHappened(Event):
    """The probe's one event: the n-th thing that happened to an aggregate."""

    TYPE = "probe.thing_happened.v1"
    AGGREGATE = "aggregate_id"

    aggregate_id: str
    n: int


REGISTRY = EventRegistry([ThingHappened])


async def apply_effect(ctx: MessageContext, event: ThingHappened) -> None:
    """The one-row effect: deliberately not unique, so a duplicate would show."""
    await ctx.session.execute(
        insert(effects).values(event_id=ctx.envelope.id, aggregate=event.aggregate_id, n=event.n)
    )


def consumer_config(name: str, topic: str, *, use_inbox: bool = True) -> ConsumerConfig:
    """A consumer of `topic` applying the one-row effect."""
    return ConsumerConfig(
        name=name,
        topics=[topic],
        handlers={ThingHappened.TYPE: apply_effect},
        inbox=inbox_table,
        parked=parked_table,
        use_inbox=use_inbox,
        retry_backoff=0.05,
    )


def consumer_runner(
    sessions: SessionFactory, bootstrap: str, name: str, topic: str, *, use_inbox: bool = True
) -> ConsumerRunner:
    """A runner of the probe's consumer, with a short session timeout for quick rebalances."""
    config = consumer_config(name, topic, use_inbox=use_inbox)
    return ConsumerRunner(config, REGISTRY, sessions, bootstrap, session_timeout_ms=6000)


async def applied(sessions: SessionFactory) -> tuple[Counter[str], dict[str, list[int]]]:
    """How often each event was applied, and each aggregate's `n` in the order applied."""
    query = select(effects.c.event_id, effects.c.aggregate, effects.c.n).order_by(effects.c.id)
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    order: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        order[row.aggregate].append(row.n)
    return Counter(row.event_id for row in rows), dict(order)


async def create_schema(engine: AsyncEngine) -> None:
    """Create the probe's tables."""
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)


def outbox_log(topic: str) -> OutboxLog:
    """The probe's outbox, publishing to `topic`."""
    return OutboxLog(outbox_table, source="probe", topic=topic)


async def write_events(
    sessions: SessionFactory,
    log: OutboxLog,
    count: int,
    aggregates: int,
    *,
    per_tx: int = 500,
    first: int = 0,
) -> list[Envelope]:
    """Append events `first`..`first+count-1`, round-robin over aggregates, n counting up."""
    envelopes: list[Envelope] = []
    now = datetime.now(UTC)
    for start in range(first, first + count, per_tx):
        batch = [
            log.envelope(
                ThingHappened(aggregate_id=f"agg-{i % aggregates}", n=i // aggregates),
                Metadata(),
                now=now,
            )
            for i in range(start, min(start + per_tx, first + count))
        ]
        async with sessions() as session, session.begin():
            await log.append(session, batch)
        envelopes += batch
    return envelopes


async def unpublished(sessions: SessionFactory) -> int:
    """How many outbox rows the relay has not marked published yet."""
    query = select(func.count()).where(outbox_table.c.published_at.is_(None))
    async with sessions() as session:
        return int((await session.execute(query)).scalar_one())


async def effect_count(sessions: SessionFactory) -> int:
    """How many effects were applied."""
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(effects))).scalar_one())


async def _relay(args: argparse.Namespace) -> None:
    engine = create_engine(args.db)
    sessions = session_factory(engine)
    publisher = KafkaPublisher(args.bootstrap, client_id="probe-relay")
    relay = OutboxRelay(sessions, outbox_log(args.topic), publisher, batch_size=args.batch)
    await relay.relay_pending()
    await publisher.close()
    await engine.dispose()


async def _consume(args: argparse.Namespace) -> None:
    engine = create_engine(args.db)
    sessions = session_factory(engine)
    runner = consumer_runner(sessions, args.bootstrap, args.group, args.topic)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    while await effect_count(sessions) < args.until:
        await asyncio.sleep(0.1)
    stop.set()
    await task
    await engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    """`relay` publishes every pending row once; `consume` runs until `--until` effects exist."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.probe")
    parser.add_argument("command", choices=["relay", "consume"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", default="probe.effects")
    parser.add_argument("--until", type=int, default=0)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args(argv)
    configure_logging("probe", level="INFO", json=True)
    asyncio.run(_relay(args) if args.command == "relay" else _consume(args))


if __name__ == "__main__":
    main()
