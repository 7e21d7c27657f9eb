"""The local test infrastructure itself: a real broker, real databases, a real crash."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from deploy.local.kafka import KafkaBroker
from shared.kafka import ensure_topics

pytestmark = pytest.mark.integration


async def test_broker_answers_and_topic_can_be_created(kafka_bootstrap: str) -> None:
    topic = f"infra-probe-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        assert topic in await admin.list_topics()
        (described,) = await admin.describe_topics([topic])
        assert len(described["partitions"]) == 3
    finally:
        await admin.close()


@pytest.mark.parametrize("run", [1, 2])
async def test_pg_url_is_a_fresh_isolated_database(pg_url: str, run: int) -> None:
    # Both runs create the same table: the second would fail if they shared a database.
    engine = create_async_engine(pg_url)
    try:
        async with engine.begin() as conn:
            tables = await conn.scalar(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema='public'")
            )
            assert tables == 0
            await conn.execute(text("CREATE TABLE probe (id int PRIMARY KEY, run int NOT NULL)"))
            await conn.execute(text("INSERT INTO probe VALUES (1, :run)"), {"run": run})
            assert await conn.scalar(text("SELECT run FROM probe WHERE id = 1")) == run
    finally:
        await engine.dispose()


async def _read_first(bootstrap: str, topic: str) -> tuple[bytes | None, bytes | None]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            while True:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    if records:
                        return records[0].key, records[0].value
    finally:
        await consumer.stop()


@pytest.mark.slow
async def test_acked_record_survives_broker_kill_and_restart(kafka_broker: KafkaBroker) -> None:
    topic = f"crash-probe-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_broker.bootstrap, [topic], partitions=1)
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_broker.bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=b"k1", value=b"survives kill -9")
    finally:
        await producer.stop()

    kafka_broker.kill()
    assert not kafka_broker.is_running()
    await asyncio.to_thread(kafka_broker.restart)
    assert kafka_broker.is_running()

    assert await _read_first(kafka_broker.bootstrap, topic) == (b"k1", b"survives kill -9")
