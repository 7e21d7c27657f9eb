"""A night's figures read from housing's own event log (the outbox, in sequence order), not
from today's rows: a past night is what its events said by the morning after."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.housing.domain.figures import Figures, Recorded, figures, replay
from shared.events import housing as ev

READ_BATCH = 1000
FIGURE_TYPES = (
    ev.SiteDeclared.TYPE,
    ev.RoomAdded.TYPE,
    ev.BedAdded.TYPE,
    ev.BedOutOfService.TYPE,
    ev.PlacementRequested.TYPE,
    ev.BedOffered.TYPE,
    ev.BedHeld.TYPE,
    ev.OfferExpired.TYPE,
    ev.CheckedIn.TYPE,
    ev.CheckedOut.TYPE,
)
"""The events a figure depends on; the others (referral answers, overrides) are not read."""


async def night_figures(
    session: AsyncSession, outbox: Table, night: date, as_of: datetime
) -> Figures:
    """The figures of `night` as housing's events recorded up to `as_of` tell them."""
    return figures(replay([e async for e in logged(session, outbox)], as_of), night, as_of)


async def logged(session: AsyncSession, outbox: Table) -> AsyncIterator[Recorded]:
    """Housing's events that figures read, in the log's order (its `seq`), with each
    envelope's instant (the service's clock when it was recorded)."""
    c = outbox.c
    query = (
        select(c.envelope)
        .where(c.type.in_(FIGURE_TYPES))
        .order_by(c.seq)
        .execution_options(yield_per=READ_BATCH)
    )
    async for envelope in await session.stream_scalars(query):
        wire = json.loads(envelope)
        yield Recorded(wire["type"], datetime.fromisoformat(wire["time"]), wire["data"])
