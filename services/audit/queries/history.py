"""Reading back what audit stored: the events about a person, a case or a placement, as the
domain folds them (`Recorded`), from the envelopes kept exactly as published."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.audit.domain.asof import Recorded
from services.audit.models import EventRef, StoredEvent


def recorded(envelope: str) -> Recorded:
    """The stored envelope's text as the domain reads an event."""
    return Recorded.from_wire(json.loads(envelope))


def about(kind: str, ref: str) -> Any:
    """The condition: the event names this person, case, placement or organisation."""
    refs = select(col(EventRef.event_pk)).where(
        col(EventRef.kind) == kind, col(EventRef.ref) == ref
    )
    return col(StoredEvent.id).in_(refs)


async def events_where(
    session: AsyncSession, *conditions: Any, until: datetime | None = None
) -> list[Recorded]:
    """The stored events matching every condition (recorded up to `until`), oldest first."""
    query = select(col(StoredEvent.envelope)).where(*conditions)
    if until is not None:
        query = query.where(col(StoredEvent.time) <= until)
    query = query.order_by(col(StoredEvent.time), col(StoredEvent.source), col(StoredEvent.seq))
    rows = await session.execute(query)
    return [recorded(text) for text in rows.scalars()]


async def about_case(session: AsyncSession, case_id: str, until: datetime | None) -> list[Recorded]:
    """Casework's events about the case (keyed by it, or naming it)."""
    keyed = (col(StoredEvent.source) == "casework") & (col(StoredEvent.subject) == case_id)
    return await events_where(session, or_(keyed, about("case", case_id)), until=until)


async def about_placement(
    session: AsyncSession, placement_id: str, until: datetime | None
) -> list[Recorded]:
    """Housing's events about the placement: its own, and those of its offers and stays."""
    housing = col(StoredEvent.source) == "housing"
    own = await events_where(
        session,
        housing,
        or_(col(StoredEvent.subject) == placement_id, about("placement", placement_id)),
        until=until,
    )
    offers = {e.subject for e in own if e.subject != placement_id}
    if not offers:
        return own
    later = await events_where(session, housing, col(StoredEvent.subject).in_(offers), until=until)
    return _once([*own, *later])


async def about_person(
    session: AsyncSession, person_id: str, until: datetime | None
) -> list[Recorded]:
    """Every service's events naming the person (intake's keyed by them, every other naming
    them in its data)."""
    keyed = (col(StoredEvent.source) == "intake") & (col(StoredEvent.subject) == person_id)
    return await events_where(session, or_(keyed, about("person", person_id)), until=until)


def _once(events: Iterable[Recorded]) -> list[Recorded]:
    return list({(e.source, e.seq): e for e in events}.values())
