"""The broker is SIGKILLed and restarted mid-stream: nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict

import pytest
from sqlalchemy import select

from deploy.local.kafka import KafkaBroker
from shared.consumer import ConsumerRunner
from shared.kafka import KafkaPublisher, ensure_topics
from shared.relay import OutboxRelay
from shared.testing import probe
from shared.testing.wait import eventually
from tests.integration.conftest import ProbeDb

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EVENTS = 5000
AGGREGATES = 40


async def test_broker_killed_and_restarted_in_the_middle_of_5000_events(
    probe_db: ProbeDb, kafka_broker: KafkaBroker
) -> None:
    bootstrap, topic, group = kafka_broker.bootstrap, "probe.crash.events", "probe.crash"
    await ensure_topics(bootstrap, [topic, f"{group}.dlq"], partitions=3)
    written = await probe.write_events(
        probe_db.sessions, probe.outbox_log(topic), EVENTS, aggregates=AGGREGATES
    )
    publisher = KafkaPublisher(bootstrap, client_id="crash-relay")
    relay = OutboxRelay(probe_db.sessions, probe.outbox_log(topic), publisher, batch_size=200)
    runner = ConsumerRunner(
        probe.consumer_config(group, topic),
        probe.REGISTRY,
        probe_db.sessions,
        bootstrap,
        session_timeout_ms=6000,
    )
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
    try:
        await eventually(
            lambda: probe.effect_count(probe_db.sessions),
            lambda n: n >= 500,
            timeout=120,
            what="the stream under way",
        )
        kafka_broker.kill()
        mid_crash = await probe.effect_count(probe_db.sessions)
        await asyncio.to_thread(kafka_broker.start)
        await eventually(
            lambda: probe.effect_count(probe_db.sessions),
            lambda n: n >= EVENTS,
            timeout=300,
            interval=0.5,
            what=f"{EVENTS} effects",
        )
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await publisher.close()

    assert mid_crash < EVENTS, "the broker died while events were still flowing"
    async with probe_db.sessions() as session:
        rows = (
            await session.execute(
                select(
                    probe.effects.c.event_id, probe.effects.c.aggregate, probe.effects.c.n
                ).order_by(probe.effects.c.id)
            )
        ).all()
    assert Counter(row.event_id for row in rows) == Counter({e.id: 1 for e in written})
    order: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        order[row.aggregate].append(row.n)
    per_aggregate = EVENTS // AGGREGATES
    assert all(ns == list(range(per_aggregate)) for ns in order.values())
    assert len(order) == AGGREGATES
