"""Nothing lost, nothing done twice: relay and consumer against real Kafka and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import select

from shared.db import SessionFactory
from shared.kafka import KafkaPublisher, ensure_topics
from shared.relay import OutboxRelay
from tests.integration.conftest import ProbeDb
from tests.integration.kafka_tools import read_topic
from tests.support import probe
from tests.support.wait import eventually, running

pytestmark = pytest.mark.integration


async def relay_all(db: ProbeDb, bootstrap: str, topic: str) -> None:
    publisher = KafkaPublisher(bootstrap, client_id="test-relay")
    relay = OutboxRelay(db.sessions, probe.outbox_log(topic), publisher, batch_size=100)
    while await relay.relay_batch():
        pass
    await publisher.close()


async def consume_until(db: ProbeDb, bootstrap: str, topic: str, expected: int, group: str) -> None:
    async with running(probe.consumer_runner(db.sessions, bootstrap, group, topic).run):
        await eventually(
            lambda: probe.effect_count(db.sessions),
            lambda n: n >= expected,
            timeout=90,
            what=f"{expected} effects",
        )


async def effects_by_event(sessions: SessionFactory) -> Counter[str]:
    async with sessions() as session:
        rows = (await session.execute(select(probe.effects.c.event_id))).scalars().all()
    return Counter(rows)


async def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        offsets = {p: await consumer.committed(TopicPartition(topic, p)) for p in range(3)}
    finally:
        await consumer.stop()
    return {p: o for p, o in offsets.items() if o is not None}


def run_probe(*args: str, fault: str | None = None) -> int:
    env = {**os.environ, "PASSERELLE_FAULT_POINT": fault or ""}
    completed = subprocess.run(
        [sys.executable, "-m", "tests.support.probe", *args],
        env=env,
        capture_output=True,
        timeout=180,
        check=False,
    )
    log_dir = os.environ.get("PASSERELLE_TEST_LOG_DIR")
    if log_dir:
        with open(os.path.join(log_dir, "probe-subprocesses.log"), "ab") as sink:
            sink.write(completed.stdout + completed.stderr)
    return completed.returncode


async def test_relay_publishes_each_event_keyed_by_aggregate_in_order(
    probe_db: ProbeDb, kafka_bootstrap: str, topic: str
) -> None:
    written = await probe.write_events(probe_db.sessions, probe.outbox_log(topic), 60, aggregates=4)
    await relay_all(probe_db, kafka_bootstrap, topic)

    records = await read_topic(kafka_bootstrap, topic)
    assert sorted(r.headers["ce_id"].decode() for r in records) == sorted(e.id for e in written)
    assert await probe.unpublished(probe_db.sessions) == 0
    by_aggregate: dict[str, list[int]] = {}
    for record in records:
        envelope = json.loads(record.value)
        assert record.key == envelope["subject"]
        assert record.headers["ce_type"] == b"probe.thing_happened.v1"
        by_aggregate.setdefault(record.key, []).append(envelope["data"]["n"])
    assert all(ns == sorted(ns) and len(ns) == 15 for ns in by_aggregate.values())


async def test_relay_killed_after_ack_duplicates_on_kafka_but_the_effect_happens_once(
    probe_db: ProbeDb, kafka_bootstrap: str, topic: str
) -> None:
    written = await probe.write_events(probe_db.sessions, probe.outbox_log(topic), 20, aggregates=5)
    args = ("relay", "--db", probe_db.url, "--bootstrap", kafka_bootstrap, "--topic", topic)

    assert run_probe(*args, fault="relay.after_ack") == -signal.SIGKILL
    assert await probe.unpublished(probe_db.sessions) == 20, (
        "killed before marking: rows stay unpublished"
    )
    assert len(await read_topic(kafka_bootstrap, topic)) == 20, "yet the broker acked them"

    assert run_probe(*args) == 0
    assert await probe.unpublished(probe_db.sessions) == 0
    on_kafka = Counter(
        r.headers["ce_id"].decode() for r in await read_topic(kafka_bootstrap, topic)
    )
    assert on_kafka == Counter({e.id: 2 for e in written})

    await consume_until(probe_db, kafka_bootstrap, topic, 20, group="probe.after-relay-crash")
    effects = await effects_by_event(probe_db.sessions)
    assert effects == Counter({e.id: 1 for e in written})


async def test_consumer_killed_after_db_commit_applies_each_event_once(
    probe_db: ProbeDb, kafka_bootstrap: str, topic: str
) -> None:
    written = await probe.write_events(probe_db.sessions, probe.outbox_log(topic), 30, aggregates=3)
    await relay_all(probe_db, kafka_bootstrap, topic)
    group = "probe.consumer-crash"
    await ensure_topics(kafka_bootstrap, [f"{group}.dlq"], partitions=1)
    args = (
        "consume",
        "--db",
        probe_db.url,
        "--bootstrap",
        kafka_bootstrap,
        "--topic",
        topic,
        "--group",
        group,
        "--until",
        "30",
    )

    assert run_probe(*args, fault="consumer.after_db_commit") == -signal.SIGKILL
    assert sum((await effects_by_event(probe_db.sessions)).values()) >= 1, "it did commit"
    assert await committed_offsets(kafka_bootstrap, group, topic) == {}, "but never its offsets"

    assert run_probe(*args) == 0
    assert await effects_by_event(probe_db.sessions) == Counter({e.id: 1 for e in written})
