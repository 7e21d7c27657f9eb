"""Consumers join and leave the group mid-stream: every event applied exactly once, in order."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from shared.events.envelope import Envelope
from shared.kafka import KafkaPublisher, ensure_topics
from shared.relay import OutboxRelay
from tests.integration.conftest import ProbeDb
from tests.support import probe
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

EVENTS = 1500
AGGREGATES = 30


async def test_rebalances_lose_nothing_and_apply_nothing_twice(
    probe_db: ProbeDb, kafka_bootstrap: str, topic: str
) -> None:
    group = f"probe.rebalance-{topic.split('.')[1]}"
    await ensure_topics(kafka_bootstrap, [f"{group}.dlq"], partitions=1)
    log, third = probe.outbox_log(topic), EVENTS // 3

    async def write(part: int) -> list[Envelope]:
        return await probe.write_events(
            probe_db.sessions, log, third, aggregates=AGGREGATES, per_tx=50, first=part * third
        )

    written = await write(0)
    publisher = KafkaPublisher(kafka_bootstrap, client_id="rebalance-relay")
    relay = OutboxRelay(probe_db.sessions, probe.outbox_log(topic), publisher, batch_size=100)

    stop_first, stop_second, stop_relay = asyncio.Event(), asyncio.Event(), asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop_relay))
    first = asyncio.create_task(
        probe.consumer_runner(probe_db.sessions, kafka_bootstrap, group, topic).run(stop_first)
    )
    second: asyncio.Task[None] | None = None
    try:
        await eventually(
            lambda: probe.effect_count(probe_db.sessions),
            lambda n: n >= 200,
            timeout=90,
            what="the first member under way",
        )
        second = asyncio.create_task(
            probe.consumer_runner(probe_db.sessions, kafka_bootstrap, group, topic).run(stop_second)
        )  # joins: a rebalance
        written += await write(1)
        await eventually(
            lambda: probe.effect_count(probe_db.sessions),
            lambda n: n >= 700,
            timeout=90,
            what="both members under way",
        )
        stop_first.set()  # leaves: another rebalance
        await first
        written += await write(2)  # only the second member is left to apply these
        await eventually(
            lambda: probe.effect_count(probe_db.sessions),
            lambda n: n >= EVENTS,
            timeout=120,
            what=f"all {EVENTS} effects",
        )
    finally:
        stop_first.set()
        stop_second.set()
        stop_relay.set()
        await asyncio.gather(first, relay_task, *([second] if second else []))
        await publisher.close()

    counts, order = await probe.applied(probe_db.sessions)
    assert counts == Counter({e.id: 1 for e in written})
    assert all(ns == list(range(EVENTS // AGGREGATES)) for ns in order.values())
