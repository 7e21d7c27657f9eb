"""The embedded default: outbox, relay, inbox and chain on SQLite files, against real Kafka."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from shared.db import create_engine, session_factory
from shared.kafka import KafkaPublisher, ensure_topics
from shared.outbox import verify_log
from shared.relay import OutboxRelay
from tests.integration.test_delivery import effects_by_event
from tests.support import probe
from tests.support.wait import eventually, running

pytestmark = pytest.mark.integration


async def test_events_flow_once_between_two_sqlite_services(
    tmp_path: Path, kafka_bootstrap: str, topic: str
) -> None:
    producer_engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'producer.db'}")
    consumer_engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}")
    for engine in (producer_engine, consumer_engine):
        await probe.create_schema(engine)
    producer, consumer = session_factory(producer_engine), session_factory(consumer_engine)
    log = probe.outbox_log(topic)
    group = f"probe.sqlite-{topic.split('.')[1]}"
    await ensure_topics(kafka_bootstrap, [f"{group}.dlq"], partitions=1)

    # concurrent writers on one SQLite file still form one chain
    batches = await asyncio.gather(
        *(probe.write_events(producer, log, 40, aggregates=4, per_tx=8) for _ in range(3))
    )
    written = [e for batch in batches for e in batch]
    publisher = KafkaPublisher(kafka_bootstrap, client_id="sqlite-relay")
    relay = OutboxRelay(producer, log, publisher, batch_size=50)
    while await relay.relay_batch():
        pass
    await publisher.close()

    async with running(probe.consumer_runner(consumer, kafka_bootstrap, group, topic).run):
        await eventually(lambda: probe.effect_count(consumer), lambda n: n >= 120, timeout=60)

    async with producer() as session:
        report = await verify_log(session, probe.outbox_table)
    assert report.ok
    assert report.checked == 120
    assert await effects_by_event(consumer) == Counter({e.id: 1 for e in written})
    await producer_engine.dispose()
    await consumer_engine.dispose()
