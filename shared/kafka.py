"""The only module that talks to aiokafka: admin helpers, supervised producer and consumer."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.assignors.abstract import AbstractPartitionAssignor
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.errors import (
    CommitFailedError,
    IllegalStateError,
    KafkaError,
    TopicAlreadyExistsError,
)
from aiokafka.structs import ConsumerRecord

log = structlog.get_logger(__name__)

DEFAULT_PARTITIONS = 6


async def wait_for_broker(bootstrap: str, timeout: float = 60.0) -> None:
    """Return once an admin client can list the broker's topics, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, OSError) as exc:
            last = exc
        finally:
            await _close_quietly(admin)
        await asyncio.sleep(0.3)
    raise TimeoutError(f"Kafka at {bootstrap} did not answer within {timeout}s: {last!r}")


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    partitions: int = DEFAULT_PARTITIONS,
    replication_factor: int = 1,
) -> None:
    """Create the topics that do not exist yet (kept forever: history is the audit record)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs={
                    "retention.ms": "-1",
                    "cleanup.policy": "delete",
                    # acks=all then means at least two copies once there are three replicas
                    "min.insync.replicas": str(max(1, min(2, replication_factor - 1))),
                },
            )
            for name in sorted(set(topics) - existing)
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        await _wait_topics_visible(admin, {t.name for t in missing})
    finally:
        await _close_quietly(admin)


async def _wait_topics_visible(admin: AIOKafkaAdminClient, names: set[str]) -> None:
    for _ in range(100):
        if names <= set(await admin.list_topics()):
            return
        await asyncio.sleep(0.1)


async def _close_quietly(admin: AIOKafkaAdminClient) -> None:
    with contextlib.suppress(KafkaError, OSError, TimeoutError):
        await asyncio.wait_for(admin.close(), timeout=5)


@dataclass(frozen=True)
class OutgoingMessage:
    """A record to send: the aggregate id as key keeps each aggregate's events in order."""

    topic: str
    key: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class IncomingRecord:
    """A record as consumed, with where it came from."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes | None
    headers: dict[str, bytes] = field(default_factory=dict)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a dropped message's outcome as seen (it is sent again with its batch)."""
    if not future.cancelled():
        future.exception()


def producer_settings() -> dict[str, Any]:
    """The settings every Passerelle producer uses: acknowledged by all replicas, idempotent."""
    return {
        "acks": "all",
        "enable_idempotence": True,
        # the relay hands over whole batches: waiting for more would only add latency
        "linger_ms": 0,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 15000,
    }


class PublisherFailed(KafkaError):  # type: ignore[misc]
    """An earlier send failed: nothing more is accepted until `reset`."""


class KafkaPublisher:
    """A supervised idempotent producer, sending batches in order; recreated after a failure.

    Within one producer, the idempotent sequence numbers make a later batch of a partition
    fail when an earlier one did, so nothing overtakes. After a failure the producer is
    dropped and `send` refuses until `reset`: a fresh producer starts no sequence of its
    own before the caller has given up on everything queued on the old one.
    """

    def __init__(self, bootstrap: str, *, client_id: str, delivery_timeout: float = 30.0) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._delivery_timeout = delivery_timeout
        self._producer: AIOKafkaProducer | None = None
        self._failed = False

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Send every message and return once all are acknowledged; raise on any failure."""
        if messages:
            await self.reset()
            await (await self.send(messages))

    async def send(self, messages: Sequence[OutgoingMessage]) -> asyncio.Future[None]:
        """Queue every message; the returned future resolves once all are acknowledged."""
        if self._failed:
            raise PublisherFailed("an earlier send failed; reset() first")
        producer = await self._ensure()
        try:
            futures = [
                await producer.send(m.topic, m.value, key=m.key.encode(), headers=list(m.headers))
                for m in messages
            ]
        except (KafkaError, OSError, TimeoutError):
            await self._abort(producer)
            raise
        return asyncio.ensure_future(self._acknowledged(producer, futures))

    async def reset(self) -> None:
        """Accept sends again, on a new producer, after a failure."""
        self._failed = False

    async def _acknowledged(
        self, producer: AIOKafkaProducer, futures: list[asyncio.Future[Any]]
    ) -> None:
        if not futures:
            return
        # while the broker is away aiokafka retries forever: give up, and start afresh later
        done, pending = await asyncio.wait(futures, timeout=self._delivery_timeout)
        failures = [exc for f in done if (exc := f.exception()) is not None]  # all retrieved
        if failures or pending:
            for future in pending:
                future.add_done_callback(_retrieve)
            await self._abort(producer)
            raise failures[0] if failures else TimeoutError("no acknowledgement in time")

    async def _abort(self, producer: AIOKafkaProducer) -> None:
        """Refuse further sends and drop the producer that failed (not a newer one)."""
        if self._producer is not producer:
            return
        self._failed = True
        # fail what is still queued so stop() has nothing to flush: with idempotence aiokafka
        # would retry it forever and stop() would never return (what still lands on the
        # broker is, per partition, an in-order prefix, so order holds either way)
        accumulator: Any = getattr(producer, "_message_accumulator")  # noqa: B009
        queued = [b for bs in accumulator._batches.values() for b in bs]
        for batch in [*queued, *accumulator._pending_batches]:
            for future in (batch.future, batch._drain_waiter):  # nobody awaits a dropped batch
                future.add_done_callback(_retrieve)
        accumulator.fail_all(PublisherFailed("producer dropped"))
        await self.close()

    async def close(self) -> None:
        """Stop the producer (bounded: stop() can hang while every broker is down)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except (KafkaError, OSError, TimeoutError):
                log.warning("kafka.producer_stop_failed")

    async def _ensure(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap, client_id=self._client_id, **producer_settings()
            )
            try:
                # an idempotent producer waits for its id without limit if the broker is away
                await asyncio.wait_for(producer.start(), timeout=self._delivery_timeout)
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(producer.stop(), timeout=5)
                raise
            self._producer = producer
        return self._producer


class KafkaSubscription:
    """A consumer-group member that never auto-commits: offsets are committed by the caller."""

    def __init__(
        self,
        bootstrap: str,
        *,
        group_id: str,
        topics: Sequence[str],
        session_timeout_ms: int = 10000,
        heartbeat_interval_ms: int | None = None,
        assignors: Sequence[AbstractPartitionAssignor | type[AbstractPartitionAssignor]] = (
            RoundRobinPartitionAssignor,
        ),
    ) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            client_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms or max(session_timeout_ms // 4, 250),
            max_poll_interval_ms=300000,
            partition_assignment_strategy=tuple(assignors),
        )
        self._topics = list(topics)

    async def start(self) -> None:
        """Join the group and subscribe."""
        self._consumer.subscribe(self._topics, listener=_LoggingListener())
        await self._consumer.start()

    async def stop(self) -> None:
        """Leave the group (bounded in time)."""
        try:
            await asyncio.wait_for(self._consumer.stop(), timeout=10)
        except (KafkaError, OSError, TimeoutError):
            log.warning("kafka.consumer_stop_failed")

    async def fetch(self, *, timeout_ms: int, max_records: int) -> list[list[IncomingRecord]]:
        """The next records, one list per partition, each in offset order."""
        batches = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        return [[_incoming(r) for r in records] for records in batches.values() if records]

    async def fetch_records(
        self, *, timeout_ms: int, max_records: int
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """The next records as the client read them (topic, partition, offset, key, value,
        headers untouched), each partition's in offset order: for a consumer that reads
        hundreds of thousands of them and needs only where each came from and its value."""
        batches = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        return [record for records in batches.values() for record in records]

    async def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        """Commit, for each (topic, partition), the offset of the next record to read."""
        if not offsets:
            return
        try:
            await self._consumer.commit({TopicPartition(t, p): o for (t, p), o in offsets.items()})
        except (CommitFailedError, IllegalStateError):
            # a rebalance took the partitions: the new owner replays, and the inbox dedupes
            log.info("kafka.commit_skipped_after_rebalance")

    def assigned(self) -> set[tuple[str, int]]:
        """The partitions this member owns now."""
        return {(tp.topic, tp.partition) for tp in self._consumer.assignment()}

    async def caught_up(self) -> bool:
        """Whether the whole group has read everything written so far to its topics: this
        member's partitions by its position, the others' by the group's committed offsets
        (False while this member owns nothing yet)."""
        owned = set(self._consumer.assignment())
        if not owned:
            return False
        partitions = [
            TopicPartition(topic, p)
            for topic in self._topics
            for p in sorted(self._consumer.partitions_for_topic(topic) or ())
        ]
        try:
            ends = await self._consumer.end_offsets(partitions)
            for tp in partitions:
                if tp in owned:
                    read = await self._consumer.position(tp)
                else:
                    read = await self._consumer.committed(tp) or 0
                if read < ends[tp]:
                    return False
        except (KafkaError, OSError):
            return False  # cannot tell now: ask again on the next round
        return True


class _LoggingListener(ConsumerRebalanceListener):  # type: ignore[misc]
    async def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("kafka.partitions_revoked", partitions=sorted(str(tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("kafka.partitions_assigned", partitions=sorted(str(tp) for tp in assigned))


def _incoming(record: ConsumerRecord[bytes, bytes]) -> IncomingRecord:
    return IncomingRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key.decode(errors="replace") if record.key is not None else None,
        value=record.value,
        headers={k: bytes(v) for k, v in (record.headers or ())},
    )


Partition = tuple[str, int]


async def end_offsets(bootstrap: str, topics: Sequence[str]) -> dict[Partition, int]:
    """The end offset (next offset to be written) of every partition of the topics that exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics()) & set(topics)
        described = await admin.describe_topics(sorted(existing)) if existing else []
    finally:
        await _close_quietly(admin)
    partitions = [
        TopicPartition(topic["topic"], p["partition"])
        for topic in described
        for p in topic["partitions"]
    ]
    if not partitions:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
    finally:
        await asyncio.wait_for(consumer.stop(), timeout=10)
    return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}


async def read_to(
    bootstrap: str, ends: Mapping[Partition, int], *, max_records: int = 10000
) -> AsyncIterator[list[tuple[str, list[bytes]]]]:
    """The values of partitions from their start up to `ends` (excluded), in batches of
    (topic, values), read by assignment: no consumer group, nothing committed (a replay)."""
    todo = {TopicPartition(t, p): end for (t, p), end in ends.items() if end > 0}
    if not todo:
        return
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    await consumer.start()
    try:
        consumer.assign(list(todo))
        await consumer.seek_to_beginning(*todo)
        while todo:
            batches = await consumer.getmany(*todo, timeout_ms=1000, max_records=max_records)
            batch = []
            for tp, records in batches.items():
                end = todo[tp]
                values = [r.value for r in records if r.offset < end and r.value is not None]
                batch.append((tp.topic, values))
                if await consumer.position(tp) >= end:
                    consumer.pause(tp)
                    del todo[tp]
            yield batch
    finally:
        await asyncio.wait_for(consumer.stop(), timeout=10)
