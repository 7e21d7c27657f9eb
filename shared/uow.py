"""The unit of work: one transaction per entry point, its events appended to the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.clock import Clock
from shared.db import SessionFactory
from shared.events.base import Event
from shared.events.envelope import Envelope
from shared.outbox import Metadata, OutboxLog
from shared.web import current_correlation_id


class UnitOfWork:
    """Rolls back unless committed; `commit` writes staged events in the same transaction."""

    def __init__(
        self,
        sessions: SessionFactory,
        outbox: OutboxLog,
        meta: Metadata,
        *,
        on_commit: Callable[[], None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._clock = clock or Clock()
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
        now = self._clock()
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


@dataclass(frozen=True)
class UnitsOfWork:
    """Opens a service's units of work: its database, its outbox, its clock."""

    sessions: SessionFactory
    outbox: OutboxLog
    clock: Clock = field(default_factory=Clock)
    on_commit: Callable[[], None] | None = None

    def __call__(self, who: Principal | Metadata) -> UnitOfWork:
        """A transaction whose events carry who acted (a signed-in person, or metadata given
        whole) and the request's correlation id."""
        meta = who if isinstance(who, Metadata) else acting(who)
        return UnitOfWork(
            self.sessions, self.outbox, meta, on_commit=self.on_commit, clock=self.clock
        )


def acting(principal: Principal) -> Metadata:
    """The metadata of events caused by `principal`, in the current request."""
    return Metadata(
        actor=principal.user_id, actororg=principal.org, correlationid=current_correlation_id()
    )
