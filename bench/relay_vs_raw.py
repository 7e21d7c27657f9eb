"""R1: outbox relay throughput against a raw, pipelined aiokafka producer sending the same bytes."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from bench.infra import ProbeDb, Servers, fresh_name, probe_database, progress
from bench.stats import Paired
from shared.kafka import DEFAULT_PARTITIONS, KafkaPublisher, OutgoingMessage, ensure_topics
from shared.kafka import producer_settings as kafka_producer_settings
from shared.relay import OutboxRelay, constant_headers, outbox_messages
from tests.support import probe

WARM_TOPIC = "bench.warmup"
TARGET = 0.8


async def run(servers: Servers, *, rounds: int, events: int, batch: int, aggregates: int) -> Paired:
    """Relay (A) and raw producer (B) alternately, `rounds` times, on fresh topics."""
    result = Paired(
        "R1", "relay", "raw_producer", TARGET, _params(events, batch, aggregates, rounds)
    )
    await ensure_topics(servers.bootstrap, [WARM_TOPIC])
    await warm_broker(servers.bootstrap, events)
    for i in range(1, rounds + 1):
        async with probe_database(servers.server_url) as db:
            topic = fresh_name("bench.r1.relay")
            await ensure_topics(servers.bootstrap, [topic])
            await probe.write_events(db.sessions, probe.outbox_log(topic), events, aggregates)
            relay_rate = await relay_arm(servers.bootstrap, db, topic, events, batch)
            messages = await outgoing(db, probe.outbox_log(topic).source)
        progress(f"R1 round {i}/{rounds}: relay {relay_rate:,.0f}/s")
        raw_rate = await raw_arm(servers.bootstrap, messages)
        ratio = relay_rate / raw_rate
        progress(f"R1 round {i}/{rounds}: raw   {raw_rate:,.0f}/s  ratio {ratio:.2f}")
        result.add(relay_rate, raw_rate)
    return result


async def relay_arm(bootstrap: str, db: ProbeDb, topic: str, events: int, batch: int) -> float:
    """Events/s of relay_pending() (the pipelined loop run() uses), with a warmed publisher."""
    publisher = KafkaPublisher(bootstrap, client_id="bench-relay")
    try:
        await publisher.publish([OutgoingMessage(topic=WARM_TOPIC, key="warm", value=b"warm")])
        relay = OutboxRelay(db.sessions, probe.outbox_log(topic), publisher, batch_size=batch)
        started = time.perf_counter()
        sent = await relay.relay_pending()
        elapsed = time.perf_counter() - started
    finally:
        await publisher.close()
    if sent != events:
        raise RuntimeError(f"relay sent {sent} of {events} rows")
    return events / elapsed


async def outgoing(db: ProbeDb, source: str) -> list[OutgoingMessage]:
    """The messages the relay sent, rebuilt from the outbox rows as the relay builds them."""
    table = probe.outbox_table
    query = select(
        table.c.seq, table.c.topic, table.c.key, table.c.envelope, table.c.event_id, table.c.type
    ).order_by(table.c.seq)
    async with db.sessions() as session:
        rows: Sequence[Any] = (await session.execute(query)).all()
    return outbox_messages(rows, constant_headers(source))


async def warm_broker(bootstrap: str, events: int) -> None:
    """Send `events` envelope-sized messages untimed, so no arm meets a cold broker JVM."""
    filler = [
        OutgoingMessage(topic=WARM_TOPIC, key=f"agg-{i % 200}", value=b"x" * 400)
        for i in range(events)
    ]
    await raw_arm(bootstrap, filler, topic=WARM_TOPIC)
    progress(f"R1: broker warmed with {events} messages")


async def raw_arm(
    bootstrap: str, messages: Sequence[OutgoingMessage], *, topic: str | None = None
) -> float:
    """Events/s of one warmed raw producer sending every message, then awaiting every ack."""
    if topic is None:
        topic = fresh_name("bench.r1.raw")
        await ensure_topics(bootstrap, [topic])
    todo = [dataclasses.replace(m, topic=topic) for m in messages]
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, client_id="bench-raw", **kafka_producer_settings()
    )
    await producer.start()
    try:
        await (await producer.send(WARM_TOPIC, b"warm", key=b"warm"))
        started = time.perf_counter()
        futures = [
            await producer.send(m.topic, m.value, key=m.key.encode(), headers=list(m.headers))
            for m in todo
        ]
        await asyncio.gather(*futures)
        elapsed = time.perf_counter() - started
    finally:
        await producer.stop()
    return len(todo) / elapsed


def _params(events: int, batch: int, aggregates: int, rounds: int) -> dict[str, Any]:
    return {
        "events": events,
        "relay_batch_size": batch,
        "aggregates": aggregates,
        "partitions": DEFAULT_PARTITIONS,
        "rounds": rounds,
        "producer_settings": kafka_producer_settings(),
        "arm_a": "OutboxRelay.relay_pending() (pipelined batches), warmed KafkaPublisher",
        "arm_b": "raw AIOKafkaProducer(**producer_settings()), send() all then gather acks",
        "warmup": "one untimed raw send of `events` messages before the first round",
    }
