"""The worker's checkpoint job: the service signs its chain head every so many events or
seconds, and once more when it stops, as a checkpoint event in its own chain."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import structlog

from shared.aio import sleep_or_stop
from shared.checkpoints import SigningKey
from shared.db import SessionFactory
from shared.outbox import OutboxLog
from shared.settings import ServiceSettings

log = structlog.get_logger(__name__)


class Checkpointer:
    """Appends a signed checkpoint once `every_events` events came since the last one, or
    `every_seconds` after the last one if any came at all. Several workers of one service may
    run it: the outbox's append lock lets one write at a time, and a checkpoint is written
    only when the head is not one already."""

    def __init__(
        self,
        sessions: SessionFactory,
        outbox: OutboxLog,
        key: SigningKey,
        clock: Callable[[], datetime],
        *,
        every_events: int = 1000,
        every_seconds: float = 60.0,
        poll_seconds: float = 1.0,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.key = key
        self._sessions = sessions
        self._outbox = outbox
        self._clock = clock
        self._every_events = every_events
        self._every_seconds = every_seconds
        self._poll_seconds = min(poll_seconds, every_seconds)
        self._on_commit = on_commit
        self._last_seq = 0
        """The last checkpoint known: later ones are looked for past it only."""

    @classmethod
    def configured(
        cls,
        settings: ServiceSettings,
        sessions: SessionFactory,
        outbox: OutboxLog,
        clock: Callable[[], datetime],
        *,
        on_commit: Callable[[], None] | None = None,
    ) -> Checkpointer:
        """The job as the service's settings describe it, with its signing key."""
        checkpoint = settings.checkpoint
        return cls(
            sessions,
            outbox,
            checkpoint.signing(outbox.source, development=settings.development),
            clock,
            every_events=checkpoint.every_events,
            every_seconds=checkpoint.every_seconds,
            poll_seconds=checkpoint.poll_seconds,
            on_commit=on_commit,
        )

    async def pending(self) -> int:
        """How many events were appended since the last checkpoint."""
        async with self._sessions() as session:
            head, self._last_seq = await self._outbox.since_checkpoint(
                session, after=self._last_seq
            )
        return max(head - self._last_seq, 0)

    async def checkpoint(self) -> int | None:
        """Sign the head now if any event came since the last checkpoint; the new seq."""
        async with self._sessions() as session, session.begin():
            written = await self._outbox.checkpoint(session, self.key, self._clock())
        if written is None:
            return None
        self._last_seq = written
        log.info("checkpoint.signed", source=self._outbox.source, seq=self._last_seq)
        if self._on_commit is not None:
            self._on_commit()
        return self._last_seq

    async def tick(self, *, due: bool) -> int | None:
        """One look: a checkpoint if enough events came, or any did and one is `due`."""
        pending = await self.pending()
        if pending >= self._every_events or (due and pending > 0):
            return await self.checkpoint()
        return None

    async def run(self, stop: asyncio.Event) -> None:
        """Checkpoint until `stop`, then once more for the events that came since."""
        loop = asyncio.get_running_loop()
        since = loop.time()
        while not stop.is_set():
            await sleep_or_stop(stop, self._poll_seconds)
            if stop.is_set():
                break
            due = loop.time() - since >= self._every_seconds
            try:
                if await self.tick(due=due) is not None or due:
                    since = loop.time()
            except Exception as exc:  # the database is away: try again at the next look
                log.warning(
                    "checkpoint.failed", source=self._outbox.source, error=type(exc).__name__
                )
        try:
            await self.checkpoint()
        except Exception as exc:
            log.warning("checkpoint.failed", source=self._outbox.source, error=type(exc).__name__)
