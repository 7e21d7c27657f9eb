"""A1: the auditors' replay with verification, against a raw aiokafka consumer reading the
same topics to the end.

N events (1,000,000 for the issue) in the services' exact envelope format, hash-chained per
source with a signed checkpoint every 1,000 events, are written once to fresh topics (one
per source, six partitions, deleted at the end); then, alternately each round, (a) a raw
consumer reads them all (assigned partitions, no group, nothing parsed) and (b)
`services.audit.replay` reads, parses and verifies them all (every hash, link and
checkpoint signature). Both are timed from their start to the last event, worker processes
and connections included."""

from __future__ import annotations

import asyncio
import base64
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench.chained_log import chained, encode, publish
from bench.infra import Servers, fresh_name, progress
from bench.stats import Paired
from services.audit.replay.reading import Plan, replay
from shared.checkpoints import SigningKey, new_private_base64
from shared.kafka import DEFAULT_PARTITIONS, end_offsets, ensure_topics

TARGET = 0.5
TIME_TARGET_PER_MILLION = 30.0
CHECKPOINT_EVERY = 1000
SHARES = {"intake": 0.3, "casework": 0.35, "notifications": 0.2, "housing": 0.15}
"""How the events are spread over the sources."""


def run(servers: Servers, *, events: int, rounds: int, workers: int) -> dict[str, Any]:
    """Write the log once, then measure both arms alternately `rounds` times."""
    keys = {s: SigningKey.from_base64(f"{s}-bench", new_private_base64()) for s in SHARES}
    topics = {source: fresh_name(f"bench.a1.{source}") for source in SHARES}
    started = time.perf_counter()
    counts = counts_of(events)
    asyncio.run(write_log(servers.bootstrap, topics, keys, counts))
    progress(f"A1: {events:,} events written in {time.perf_counter() - started:.1f}s")
    plan = Plan(
        bootstrap=servers.bootstrap,
        topics=topics,
        keys={s: {k.key_id: k.public_base64} for s, k in keys.items()},
        workers=workers,
    )
    result = Paired("A1", "replay_verified", "raw_consumer", TARGET, _params(events, workers))
    try:
        for i in range(1, rounds + 1):
            raw_rate = asyncio.run(raw_arm(servers.bootstrap, list(topics.values()), events))
            replay_seconds = replay_arm(plan, counts)
            replay_rate = events / replay_seconds
            result.add(replay_rate, raw_rate)
            result.note("replay_s", replay_seconds)
            progress(
                f"A1 round {i}/{rounds}: raw {raw_rate:,.0f}/s  replay {replay_rate:,.0f}/s "
                f"({replay_seconds:.1f}s)  ratio {replay_rate / raw_rate:.2f}"
            )
    finally:  # a million events a run: the broker is shared
        asyncio.run(drop_topics(servers.bootstrap, list(topics.values())))
    summary = result.to_json()
    seconds = sorted(result.extra["replay_s"])
    summary["replay_s_per_million_median"] = statistics.median(seconds) * 1_000_000 / events
    summary["replay_s_per_million_best"] = seconds[0] * 1_000_000 / events
    summary["time_target_s_per_million"] = TIME_TARGET_PER_MILLION
    summary["time_met"] = summary["replay_s_per_million_median"] < TIME_TARGET_PER_MILLION
    return summary


def counts_of(events: int) -> dict[str, int]:
    """`events` shared out over the sources as `SHARES` says."""
    counts = {source: int(events * share) for source, share in SHARES.items()}
    counts["intake"] += events - sum(counts.values())
    return counts


async def write_log(
    bootstrap: str, topics: dict[str, str], keys: dict[str, SigningKey], counts: dict[str, int]
) -> None:
    """Make each source's chain (in worker processes) and publish it to its topic."""
    await ensure_topics(bootstrap, list(topics.values()))
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor() as pool:
        made = {
            source: loop.run_in_executor(
                pool, _made, source, counts[source], keys[source].key_id, _private(keys[source])
            )
            for source in topics
        }
        for source, future in made.items():
            await publish(bootstrap, topics[source], await future)


def _private(key: SigningKey) -> str:
    return base64.b64encode(key.private.private_bytes_raw()).decode()


def _made(source: str, count: int, key_id: str, private: str) -> list[tuple[bytes, bytes]]:
    key = SigningKey.from_base64(key_id, private)
    return encode(chained(source, count, key=key, checkpoint_every=CHECKPOINT_EVERY))


async def drop_topics(bootstrap: str, topics: list[str]) -> None:
    """Delete the run's topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        await admin.delete_topics(topics)
    finally:
        await admin.close()


async def raw_arm(bootstrap: str, topics: list[str], events: int) -> float:
    """Events/s of a plain consumer reading every partition to its end, values untouched."""
    started = time.perf_counter()
    ends = {
        TopicPartition(t, p): end for (t, p), end in (await end_offsets(bootstrap, topics)).items()
    }
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    await consumer.start()
    read = 0
    try:
        todo = {tp: end for tp, end in ends.items() if end > 0}
        consumer.assign(list(todo))
        await consumer.seek_to_beginning(*todo)
        while todo:
            batches = await consumer.getmany(*todo, timeout_ms=1000, max_records=10000)
            for tp, records in batches.items():
                read += len(records)
                if await consumer.position(tp) >= todo[tp]:
                    del todo[tp]
    finally:
        await consumer.stop()
    elapsed = time.perf_counter() - started
    if read != events:
        raise RuntimeError(f"the raw consumer read {read} of {events} events")
    return events / elapsed


def replay_arm(plan: Plan, counts: dict[str, int]) -> float:
    """Seconds for the verified replay of every event; it must find every chain whole."""
    started = time.perf_counter()
    summary = replay(plan)
    elapsed = time.perf_counter() - started
    heads = {chain.source: chain.head_seq for chain in summary.chains}
    if not summary.ok or heads != counts:
        raise RuntimeError(f"the replay did not verify the log: {summary.breaks[:3]}, {heads}")
    return elapsed


def _params(events: int, workers: int) -> dict[str, Any]:
    return {
        "events": events,
        "sources": SHARES,
        "partitions": DEFAULT_PARTITIONS,
        "checkpoint_every": CHECKPOINT_EVERY,
        "replay_workers": workers or "one per CPU",
        "arm_a": "services.audit.replay: worker processes read assigned partitions, parse and "
        "check every hash and checkpoint signature; the main process links each chain",
        "arm_b": "raw AIOKafkaConsumer, assigned partitions from the beginning to the end "
        "offsets, values untouched",
        "timing": "each arm from its start (connections, processes) to its last event",
    }


def format_time(result: dict[str, Any]) -> str:
    """The replay's time beside its goal."""
    verdict = "met" if result["time_met"] else "MISSED"
    return (
        f"A1  replay time per 1,000,000 events ({result['params']['events']:,} replayed): "
        f"median {result['replay_s_per_million_median']:.1f}s  "
        f"best {result['replay_s_per_million_best']:.1f}s  "
        f"target < {result['time_target_s_per_million']:.0f}s  {verdict}"
    )
