"""Raw Kafka access for tests: read a whole topic, write records a producer never would."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


@dataclass(frozen=True)
class RawRecord:
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: dict[str, bytes]


async def read_topic(bootstrap: str, topic: str) -> list[RawRecord]:
    """Every record now in `topic`, partition by partition, in offset order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(await _partitions(consumer, topic))]
        consumer.assign(tps)
        await consumer._client.force_metadata_update()  # so end_offsets knows the leaders
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            consumer.seek(tp, 0)  # explicit: seek_to_beginning races the initial reset
        records: list[RawRecord] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                records += [
                    RawRecord(
                        r.partition,
                        r.offset,
                        r.key.decode() if r.key else None,
                        r.value or b"",
                        {k: bytes(v) for k, v in r.headers},
                    )
                    for r in batch
                ]
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str, timeout: float = 15) -> set[int]:
    deadline = time.monotonic() + timeout
    while True:
        cluster = await consumer._client.fetch_all_metadata()
        partitions = cluster.partitions_for_topic(topic)
        if partitions:
            return set(partitions)
        if time.monotonic() > deadline:
            raise AssertionError(f"topic {topic} has no partitions after {timeout}s")
        await asyncio.sleep(0.2)


async def produce_raw(bootstrap: str, topic: str, records: list[tuple[str, bytes]]) -> None:
    """Write (key, value) records as they are, in order, acknowledged by the broker."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


def unique_topic(prefix: str) -> str:
    """A topic name no other test uses."""
    return f"{prefix}.{uuid.uuid4().hex[:10]}.events"
