"""R4: consumer throughput with the inbox against the same consumer and effect without it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.infra import Servers, fresh_name, probe_database, progress, quiet
from bench.stats import Paired
from shared.consumer import ConsumerRunner
from shared.kafka import (
    DEFAULT_PARTITIONS,
    IncomingRecord,
    KafkaPublisher,
    KafkaSubscription,
    ensure_topics,
)
from shared.relay import OutboxRelay
from tests.support import probe

TARGET = 0.9
SESSION_TIMEOUT_MS = 6000
DEADLINE_S = 300.0


@dataclass(frozen=True)
class ArmTiming:
    """One consumer arm: events/s from its first record, and seconds from start to that record."""

    per_s: float
    join_s: float


class TimedRunner(ConsumerRunner):
    """A ConsumerRunner that notes when it first handles a record."""

    first_record_at: float | None = None

    async def handle_batch(self, records: Sequence[IncomingRecord]) -> None:
        """Note the time of the first batch, then handle it as usual."""
        if self.first_record_at is None:
            self.first_record_at = time.perf_counter()
        await super().handle_batch(records)


async def run(servers: Servers, *, rounds: int, events: int, aggregates: int) -> Paired:
    """Inbox (A) and no-inbox (B) consumers alternately, each on a fresh group and database."""
    topic = await produce_once(servers, events, aggregates)
    await warm_group_coordinator(servers.bootstrap, topic)
    result = Paired("R4", "inbox", "no_inbox", TARGET, _params(events, aggregates, rounds))
    for i in range(1, rounds + 1):
        inbox = await consumer_arm(servers, topic, events, use_inbox=True)
        progress(f"R4 round {i}/{rounds}: inbox    {inbox.per_s:,.0f}/s (join {inbox.join_s:.2f}s)")
        plain = await consumer_arm(servers, topic, events, use_inbox=False)
        progress(
            f"R4 round {i}/{rounds}: no inbox {plain.per_s:,.0f}/s (join {plain.join_s:.2f}s)"
            f"  ratio {inbox.per_s / plain.per_s:.2f}"
        )
        result.add(inbox.per_s, plain.per_s)
        result.note("inbox_join_s", inbox.join_s)
        result.note("no_inbox_join_s", plain.join_s)
    return result


async def produce_once(servers: Servers, events: int, aggregates: int) -> str:
    """Write `events` through the probe outbox and relay them to a fresh topic; return it."""
    topic = fresh_name("bench.r4")
    await ensure_topics(servers.bootstrap, [topic])
    async with probe_database(servers.server_url) as db:
        await probe.write_events(db.sessions, probe.outbox_log(topic), events, aggregates)
        publisher = KafkaPublisher(servers.bootstrap, client_id="bench-r4-setup")
        relay = OutboxRelay(db.sessions, probe.outbox_log(topic), publisher)
        try:
            while await relay.relay_batch():
                pass
        finally:
            await publisher.close()
    progress(f"R4: {events} events produced to {topic}")
    return topic


async def warm_group_coordinator(bootstrap: str, topic: str) -> None:
    """Join and leave a throw-away group once, so no arm pays for the coordinator's creation."""
    subscription = KafkaSubscription(
        bootstrap,
        group_id=fresh_name("bench.warmup"),
        topics=[topic],
        session_timeout_ms=SESSION_TIMEOUT_MS,
    )
    with quiet("aiokafka.consumer.group_coordinator"):
        await subscription.start()
        try:
            await subscription.fetch(timeout_ms=5000, max_records=1)
        finally:
            await subscription.stop()


async def consumer_arm(servers: Servers, topic: str, events: int, *, use_inbox: bool) -> ArmTiming:
    """Consume every event once with a fresh group into a fresh database, timed."""
    async with probe_database(servers.server_url) as db:
        config = probe.consumer_config(fresh_name("bench.r4"), topic, use_inbox=use_inbox)
        runner = TimedRunner(
            config,
            probe.REGISTRY,
            db.sessions,
            servers.bootstrap,
            session_timeout_ms=SESSION_TIMEOUT_MS,
        )
        stop = asyncio.Event()
        started = time.perf_counter()
        task = asyncio.create_task(runner.run(stop))
        try:
            while await probe.effect_count(db.sessions) < events:
                if task.done() or time.perf_counter() - started > DEADLINE_S:
                    raise RuntimeError(f"consumer stopped short of {events} effects")
                await asyncio.sleep(0.05)
            finished = time.perf_counter()
        finally:
            stop.set()
            await task
    first = runner.first_record_at or started
    return ArmTiming(per_s=events / (finished - first), join_s=first - started)


def _params(events: int, aggregates: int, rounds: int) -> dict[str, Any]:
    return {
        "events": events,
        "aggregates": aggregates,
        "partitions": DEFAULT_PARTITIONS,
        "rounds": rounds,
        "session_timeout_ms": SESSION_TIMEOUT_MS,
        "effect_poll_s": 0.05,
        "timing": "first record handled until effect_count == events (polled every 50 ms)",
        "arm_a": "probe.consumer_config(use_inbox=True), one-row effect per event",
        "arm_b": "probe.consumer_config(use_inbox=False), same effect",
    }
