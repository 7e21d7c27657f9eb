"""The ingestion worker: one consumer over every source's topic from the start, storing and
verifying each fetched batch in one transaction, then committing its offsets."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog

from services.audit.container import Audit
from services.audit.handlers.ingest import Prepared, Record, Waiting, prepare, store_batch
from services.audit.handlers.linking import settle_gaps
from shared.aio import sleep_or_stop
from shared.kafka import KafkaSubscription, end_offsets, ensure_topics
from shared.outbox import Metadata
from shared.topic_assignor import WholeTopicAssignor

log = structlog.get_logger(__name__)

NAME = "audit-ingest"
GAP_CHECK_SECONDS = 1.0
"""How often, while events wait for an earlier sequence, the worker asks whether everything
published has been read (a round trip to the broker)."""
ACTING = Metadata(actor="service:audit")
HEARTBEAT_MS = 500
"""How often a worker tells the group it is alive, and learns that another joined (Kafka's
default: every 3 s, which is how long a new replica would wait for its topics)."""
YOUNG_COLLECTION_EVERY = 50_000
"""Allocations between two collections of the youngest generation (Python's default: 700)."""


@dataclass(frozen=True)
class IngestOptions:
    """How the worker reads: its group, batch size and wait, and the grace before a gap."""

    bootstrap: str
    group: str = NAME
    batch_size: int = 5000
    wait_ms: int = 500
    gap_grace: float = 10.0
    partitions: int = 6
    replication_factor: int = 1


def ingestion(
    audit: Audit, options: IngestOptions
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """The worker's job: ingest until `stop`, the Kafka client recreated whenever it fails."""

    async def run(stop: asyncio.Event) -> None:
        topics = [audit.topics[source] for source in audit.sources]
        backoff = 0.5
        while not stop.is_set():
            subscription: KafkaSubscription | None = None
            try:
                await ensure_topics(
                    options.bootstrap, topics, options.partitions, options.replication_factor
                )
                subscription = KafkaSubscription(
                    options.bootstrap,
                    group_id=options.group,
                    topics=topics,
                    # a replica joining is given its topics within a heartbeat of the others
                    heartbeat_interval_ms=HEARTBEAT_MS,
                    assignors=(WholeTopicAssignor(await topic_sizes(options.bootstrap, topics)),),
                )
                await subscription.start()
                backoff = 0.5
                await Ingester(audit, options, subscription).run(stop)
            except Exception as exc:  # the batch's offsets were not committed: read again
                log.warning("audit.ingest_restarting", error=type(exc).__name__)
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                if subscription is not None:
                    await subscription.stop()

    return run


async def topic_sizes(bootstrap: str, topics: list[str]) -> dict[str, int]:
    """The records written so far to each topic: how the worker replicas share the topics
    (the services' volumes differ: each replica gets about as many events to read)."""
    sizes = dict.fromkeys(topics, 0)
    for (topic, _), end in (await end_offsets(bootstrap, topics)).items():
        sizes[topic] += end
    return sizes


def tune_gc() -> None:
    """The collector set for ingesting, in the worker's process (the setting is the whole
    process's: a process that runs the job among other work, a test's, keeps its own).

    A batch makes hundreds of thousands of short-lived objects (decoded envelopes, rows) and
    no cycles: with the default thresholds the collector runs hundreds of times a batch and
    walks the process's long-lived objects again and again (a third of ingestion's time,
    measured). The objects there are once the worker runs are frozen out of collection, and
    the youngest generation is collected every `YOUNG_COLLECTION_EVERY` allocations."""
    young, older, oldest = gc.get_threshold()
    if young < YOUNG_COLLECTION_EVERY:
        gc.freeze()
        gc.set_threshold(YOUNG_COLLECTION_EVERY, older, oldest)


class Ingester:
    """One subscription's reading loop."""

    def __init__(self, audit: Audit, options: IngestOptions, subscription: KafkaSubscription):
        self.audit = audit
        self.options = options
        self.subscription = subscription
        self.sources = {audit.topics[source]: source for source in audit.sources}
        self.waiting: set[str] = set(audit.sources)  # a restart looks at every chain once
        self.unlinked: Waiting = {}
        """The events each source's hole holds back, as this worker left them (a worker
        restarts afresh after a failed batch, so it never remembers what was not stored)."""
        self._last_gap_check = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Store batches until `stop`, each decoded and checked in a thread while the one
        before it is written; settle gaps whenever everything published is read."""
        ahead: asyncio.Task[Prepared] | None = None
        try:
            while not stop.is_set():
                if ahead is None:
                    ahead = self._prepare(await self._fetch(self.options.wait_ms))
                if ahead is not None:
                    prepared = await ahead
                    ahead = self._prepare(await self._fetch(0))
                    await self.store(prepared)
                await self._settle_when_read()
        finally:
            if ahead is not None:
                ahead.cancel()

    async def _fetch(self, wait_ms: int) -> list[Record]:
        return await self.subscription.fetch_records(
            timeout_ms=wait_ms, max_records=self.options.batch_size
        )

    def _prepare(self, records: list[Record]) -> asyncio.Task[Prepared] | None:
        if not records:
            return None
        work = asyncio.to_thread(prepare, records, self.sources, self.audit.checkpoint_keys)
        return asyncio.create_task(work)

    async def _settle_when_read(self) -> None:
        if self.waiting and time.monotonic() - self._last_gap_check >= GAP_CHECK_SECONDS:
            self._last_gap_check = time.monotonic()
            if await self.subscription.caught_up():
                await self.settle()

    async def store(self, prepared: Prepared) -> None:
        """Store and verify one batch, then commit its offsets (after the database)."""
        async with self.audit.units(ACTING) as uow:
            now = self.audit.clock()
            keys = self.audit.checkpoint_keys
            stored = await store_batch(uow, prepared, keys, now, self.unlinked)
            await uow.commit()
        self.waiting |= stored.waiting
        await self.subscription.commit(prepared.offsets)
        if stored.events:
            log.info("audit.events_stored", events=stored.events, breaks=len(stored.breaks))

    async def settle(self) -> None:
        """Name the holes that stayed open a gap, and link on past them."""
        async with self.audit.units(ACTING) as uow:
            now = self.audit.clock()
            breaks, still = await settle_gaps(
                uow, self.audit.sources, self.audit.checkpoint_keys, now, self.options.gap_grace
            )
            await uow.commit()
        self.waiting = still
        if breaks:
            log.warning("audit.gaps_found", breaks=len(breaks))
