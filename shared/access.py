"""Reads of personal data, recorded in the service's own chain without slowing the read.

A route records what it answered (`reads.record(principal, "case_notes", case_id, person_id)`):
the read joins an in-process queue and the route returns at once. A background task of the API
process writes the queue, every second or as soon as a batch is full, as one access event
(`<service>.personal_data_read`) in a transaction of its own. A write that fails is retried
at the next flush; a full queue drops reads (counted and logged) rather than block one."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

import structlog

from shared.aio import sleep_or_stop
from shared.auth import Principal
from shared.events.access import PersonalDataRead, PersonalDataReadEntry
from shared.outbox import Metadata
from shared.uow import UnitsOfWork

log = structlog.get_logger(__name__)

FLUSH_SECONDS = 1.0
"""How often the queued reads are written."""
BATCH_READS = 200
"""Reads in one access event (about 250 bytes each: far below an event's size limit); a full
batch is written without waiting for the next second."""
QUEUE_READS = 20_000
"""Reads kept while the database is away; more are dropped, never waited for."""


class AccessRecorder:
    """One service's queue of reads of personal data, and the task that writes it."""

    def __init__(
        self,
        contract: type[PersonalDataRead],
        units: UnitsOfWork,
        clock: Callable[[], datetime],
        *,
        flush_seconds: float = FLUSH_SECONDS,
        batch_reads: int = BATCH_READS,
        queue_reads: int = QUEUE_READS,
    ) -> None:
        self.contract = contract
        self.clock = clock
        self.flush_seconds = flush_seconds
        self.batch_reads = batch_reads
        self.queue_reads = queue_reads
        self.dropped = 0
        """Reads dropped since the start because the queue was full."""
        self._units = units
        self._meta = Metadata(actor=f"service:{contract.SERVICE}")
        self._pending: deque[PersonalDataReadEntry] = deque()
        self._full = asyncio.Event()
        self._writing = asyncio.Lock()
        self._dropping = False
        self._failing = False

    @property
    def pending(self) -> int:
        """Reads queued and not yet written."""
        return len(self._pending)

    def record(self, entry: PersonalDataReadEntry) -> None:
        """Queue one read; returns at once (a full queue drops it, with a warning)."""
        if len(self._pending) >= self.queue_reads:
            self.dropped += 1
            if not self._dropping:  # once per episode: a full queue must not flood the logs
                self._dropping = True
                log.warning("access.queue_full", service=self.contract.SERVICE)
            return
        self._pending.append(entry)
        if len(self._pending) >= self.batch_reads:
            self._full.set()

    async def flush(self) -> int:
        """Write every queued read, a batch per event and transaction; the number written.
        A failed write keeps its reads queued for the next flush."""
        written = 0
        async with self._writing:
            while self._pending:
                batch = list(islice(self._pending, self.batch_reads))
                try:
                    await self._write(batch)
                    self._failing = False
                except Exception as exc:
                    self._failing = True
                    log.warning(
                        "access.flush_failed",
                        service=self.contract.SERVICE,
                        pending=len(self._pending),
                        error=type(exc).__name__,
                    )
                    break
                for _ in batch:  # only the writer removes; new reads are appended behind
                    self._pending.popleft()
                written += len(batch)
            self._clear_full()
        return written

    async def run(self, stop: asyncio.Event) -> None:
        """Write the queue every `flush_seconds` (sooner when a batch is full) until `stop`,
        then write what is left."""
        while not stop.is_set():
            await _first_of(stop, self._full, self.flush_seconds)
            await self.flush()
            if self._failing:  # the database is away: try again in a while, not at once
                await sleep_or_stop(stop, self.flush_seconds)
        await self.flush()
        if self._pending:
            log.error("access.reads_lost", service=self.contract.SERVICE, reads=self.pending)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the writer for the life of the block (an app's lifespan); flush on the way out."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.run(stop))
        try:
            yield
        finally:
            stop.set()
            await task

    async def _write(self, batch: list[PersonalDataReadEntry]) -> None:
        async with self._units(self._meta) as uow:
            uow.record(self.contract(reads=batch))
            await uow.commit()

    def _clear_full(self) -> None:
        if len(self._pending) < self.batch_reads:
            self._full.clear()
        if self._dropping and len(self._pending) < self.queue_reads:
            log.warning("access.reads_dropped", service=self.contract.SERVICE, total=self.dropped)
            self._dropping = False


async def _first_of(stop: asyncio.Event, full: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if the service stops or a batch fills up."""
    if full.is_set() or stop.is_set():
        return
    waiters = {asyncio.create_task(full.wait()), asyncio.create_task(stop.wait())}
    await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()


@dataclass(frozen=True)
class RequestReads:
    """What a route records its reads with: the service's recorder and the request's route."""

    recorder: AccessRecorder
    route: str

    def record(
        self, principal: Principal, resource: str, resource_id: str, person_id: str | None
    ) -> None:
        """Record that `principal` read `resource` `resource_id` about `person_id` (queued)."""
        self.recorder.record(
            PersonalDataReadEntry(
                actor=principal.user_id,
                actororg=principal.org,
                resource=resource,
                resource_id=str(resource_id),
                person_id=None if person_id is None else str(person_id),
                at=self.recorder.clock(),
                route=self.route,
            )
        )
