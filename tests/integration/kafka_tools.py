"""Raw Kafka access for tests: read a whole topic, write records a producer never would."""

from __future__ import annotations

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
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        await consumer.seek_to_beginning(*tps)
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
