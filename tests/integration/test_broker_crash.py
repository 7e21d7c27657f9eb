"""The broker is SIGKILLed and restarted mid-stream: nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from deploy.local.kafka import KafkaBroker
from shared.kafka import KafkaPublisher, ensure_topics
from shared.relay import OutboxRelay
from tests.integration.conftest import ProbeDb
from tests.support import probe
from tests.support.wait import eventually, running

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EVENTS = 5000
AGGREGATES = 40


async def relay_attempts(db: ProbeDb) -> int:
    table = probe.outbox_table
    async with db.sessions() as session:
        return int((await session.execute(select(func.sum(table.c.attempts)))).scalar() or 0)


async def test_broker_killed_and_restarted_in_the_middle_of_5000_events(
    probe_db: ProbeDb, kafka_broker: KafkaBroker
) -> None:
    bootstrap, topic, group = kafka_broker.bootstrap, "probe.crash.events", "probe.crash"
    await ensure_topics(bootstrap, [topic, f"{group}.dlq"], partitions=3)
    log = probe.outbox_log(topic)
    half = EVENTS // 2
    written = await probe.write_events(probe_db.sessions, log, half, aggregates=AGGREGATES)
    publisher = KafkaPublisher(bootstrap, client_id="crash-relay", delivery_timeout=5)
    relay = OutboxRelay(probe_db.sessions, probe.outbox_log(topic), publisher, batch_size=200)
    runner = probe.consumer_runner(probe_db.sessions, bootstrap, group, topic)
    try:
        async with running(relay.run, runner.run):
            await eventually(
                lambda: probe.effect_count(probe_db.sessions),
                lambda n: n >= 500,
                timeout=120,
                what="the stream under way",
            )
            kafka_broker.kill()
            mid_crash = await probe.effect_count(probe_db.sessions)
            # the other half is written while the broker is down: the relay must fail and retry
            written += await probe.write_events(
                probe_db.sessions, log, EVENTS - half, aggregates=AGGREGATES, per_tx=50, first=half
            )
            await eventually(
                lambda: relay_attempts(probe_db), lambda n: n > 0, timeout=60, what="a failed relay"
            )
            await asyncio.to_thread(kafka_broker.start)
            await eventually(
                lambda: probe.effect_count(probe_db.sessions),
                lambda n: n >= EVENTS,
                timeout=300,
                interval=0.5,
                what=f"{EVENTS} effects",
            )
    finally:
        await publisher.close()

    assert mid_crash < EVENTS, "the broker died while events were still flowing"
    counts, order = await probe.applied(probe_db.sessions)
    assert counts == Counter({e.id: 1 for e in written})
    per_aggregate = EVENTS // AGGREGATES
    assert all(ns == list(range(per_aggregate)) for ns in order.values())
    assert len(order) == AGGREGATES
