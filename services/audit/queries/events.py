"""Searching the stored events: by what they are about, who did them, their type and when,
oldest first, a page at a time (keyset on time, source and sequence: a page never shifts as
new events arrive)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.audit.domain.arrivals import MAX_SEQ
from services.audit.domain.timeline import is_sealed
from services.audit.models import StoredEvent
from services.audit.queries.history import about
from services.audit.schemas.events import EventFilters, EventPage, EventPublic
from shared.bounds import EARLIEST, LATEST
from shared.web import Unprocessable

Position = tuple[datetime, str, int]


async def search(session: AsyncSession, filters: EventFilters) -> EventPage:
    """A page of the events matching every filter given, oldest first."""
    query = select(StoredEvent).where(*_conditions(filters))
    if filters.cursor is not None:
        query = query.where(_after(decode_cursor(filters.cursor)))
    query = query.order_by(col(StoredEvent.time), col(StoredEvent.source), col(StoredEvent.seq))
    rows = list((await session.execute(query.limit(filters.limit + 1))).scalars())
    page = rows[: filters.limit]
    last = page[-1] if len(rows) > filters.limit else None
    return EventPage(
        items=[public(row) for row in page],
        next_cursor=None if last is None else encode_cursor((last.time, last.source, last.seq)),
        limit=filters.limit,
    )


def _conditions(filters: EventFilters) -> list[Any]:
    refs = {
        "person": filters.person,
        "case": filters.case,
        "placement": filters.placement,
        "organisation": filters.organisation,
    }
    conditions = [about(kind, str(value)) for kind, value in refs.items() if value is not None]
    if filters.actor is not None:
        conditions.append(col(StoredEvent.actor) == filters.actor)
    if filters.type is not None:
        conditions.append(col(StoredEvent.type) == filters.type)
    if filters.from_ is not None:
        conditions.append(col(StoredEvent.time) >= filters.from_)
    if filters.to is not None:
        conditions.append(col(StoredEvent.time) < filters.to)
    return conditions


def _after(position: Position) -> Any:
    time, source, seq = position
    at, by, seq_ = col(StoredEvent.time), col(StoredEvent.source), col(StoredEvent.seq)
    return or_(
        at > time,
        and_(at == time, by > source),
        and_(at == time, by == source, seq_ > seq),
    )


def public(row: StoredEvent) -> EventPublic:
    """The event as an auditor reads it: its clear fields (ciphertext left out)."""
    wire = json.loads(row.envelope)
    data = {k: v for k, v in (wire.get("data") or {}).items() if not is_sealed(v)}
    return EventPublic(
        source=row.source,
        seq=row.seq,
        id=row.event_id,
        type=row.type,
        subject=row.subject,
        time=row.time,
        actor=row.actor,
        actororg=row.actororg,
        hash=row.hash,
        prevhash=row.prevhash,
        data=data,
    )


def encode_cursor(position: Position) -> str:
    """The opaque cursor of the page after `position`."""
    time, source, seq = position
    raw = json.dumps([time.isoformat(), source, seq], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position a cursor names; 422 if it is none of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        time, source, seq = json.loads(raw)
        at = datetime.fromisoformat(time)
        if at.tzinfo is None or not isinstance(source, str) or type(seq) is not int:
            raise ValueError("not a position")
        if not (EARLIEST <= at <= LATEST and 0 <= seq < MAX_SEQ and len(source) <= 64):
            raise ValueError("out of range")  # forged: it would reach the driver
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise Unprocessable("cursor: not a cursor of this search; start again without it") from exc
    return at, source, seq
