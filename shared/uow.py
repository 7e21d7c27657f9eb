"""The unit of work: one transaction per entry point, its events appended to the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import SessionFactory
from shared.events.base import Event
from shared.events.envelope import Envelope
from shared.outbox import Metadata, OutboxLog


class UnitOfWork:
    """Rolls back unless committed; `commit` writes staged events in the same transaction."""

    def __init__(
        self,
        sessions: SessionFactory,
        outbox: OutboxLog,
        meta: Metadata,
        *,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._meta = meta
        self._on_commit = on_commit
        self._staged: list[Envelope] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The transaction's session (only inside `async with`)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    def record(self, *events: Event) -> list[Envelope]:
        """Stage events to be written with the state change; returns their envelopes."""
        now = datetime.now(UTC)
        envelopes = [self._outbox.envelope(e, self._meta, now=now) for e in events]
        self._staged.extend(envelopes)
        return envelopes

    async def commit(self) -> None:
        """Append the staged events to the outbox and commit everything at once."""
        await self._outbox.append(self.session, self._staged)
        await self.session.commit()
        self._staged.clear()
        if self._on_commit is not None:
            self._on_commit()

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        await self._session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        self._staged.clear()
        await session.rollback()
        await session.close()
