"""Linking each source's stored events in sequence order from its verified head: every
`prevhash` must be the hash of the event before it; the last valid checkpoint is noted; a
missing sequence is named a gap only once there is nothing more to read."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.audit.domain.chains import Break, Linker, event_problem, is_checkpoint
from services.audit.handlers.breaks import Found, record_breaks
from services.audit.models import ChainHead, StoredEvent
from shared.db import dialect_name
from shared.events.envelope import GENESIS_HASH
from shared.uow import UnitOfWork


class Pending(NamedTuple):
    """A stored event not linked yet: its place, and its envelope when it is a checkpoint (a
    tuple: one is made for every event ingested)."""

    seq: int
    prevhash: str
    hash: str
    type: str
    wire: Mapping[str, Any] | None = None
    received_at: datetime | None = None


async def heads_of(
    session: AsyncSession, sources: Sequence[str], now: datetime, *, waiting: bool = False
) -> dict[str, ChainHead]:
    """The sources' heads, locked for this transaction (made at first sight); with `waiting`,
    only the heads of sources with stored events not linked yet."""
    query = select(ChainHead).where(col(ChainHead.source).in_(sources))
    if waiting:
        query = query.where(col(ChainHead.stored_seq) > col(ChainHead.linked_seq))
    if dialect_name(session) == "postgresql":
        query = query.with_for_update()
    heads = {head.source: head for head in (await session.execute(query)).scalars()}
    for source in sources:
        if source not in heads and not waiting:
            heads[source] = ChainHead(source=source, linked_hash=GENESIS_HASH, updated_at=now)
            session.add(heads[source])
    return heads


async def waiting_rows(session: AsyncSession, source: str, after: int) -> list[Pending]:
    """`source`'s stored events after `after`, in sequence order."""
    c = StoredEvent.__table__.c  # type: ignore[attr-defined]
    checkpoint = case((c.type.like("%.checkpoint.v%"), c.envelope), else_=None)
    rows = await session.execute(
        select(c.seq, c.prevhash, c.hash, c.type, checkpoint.label("cp"), c.received_at)
        .where(c.source == source, c.seq > after)
        .order_by(c.seq)
    )
    return [
        Pending(r.seq, r.prevhash, r.hash, r.type, json.loads(r.cp) if r.cp else None, r[5])
        for r in rows
    ]


def link(
    head: ChainHead, pending: Sequence[Pending], keys: Mapping[str, str], *, finish: bool = False
) -> list[Break]:
    """Link `pending` onto `head` (moved forward as far as the chain goes without a hole;
    with `finish`, over the holes, each named a gap); the breaks found."""
    linked = head.linked_seq  # read once: the head is instrumented
    ahead = sorted([p for p in pending if p.seq > linked], key=attrgetter("seq"))
    if ahead and ahead[-1].seq - linked == len(ahead):
        breaks = _link_run(head, ahead)  # the usual case: no hole, linked in one pass
    else:
        linker = Linker(head.source, head.linked_seq, head.linked_hash)
        breaks = [b for p in ahead for b in linker.add(p.seq, p.prevhash, p.hash)]
        if finish:
            breaks += linker.finish()
        _note_checkpoints(head, ahead, linker.head_seq, breaks, keys)
        head.linked_seq, head.linked_hash = linker.head_seq, linker.head_hash
        return breaks
    _note_checkpoints(head, ahead, ahead[-1].seq, breaks, keys)
    head.linked_seq, head.linked_hash = ahead[-1].seq, ahead[-1].hash
    return breaks


def _link_run(head: ChainHead, run: Sequence[Pending]) -> list[Break]:
    """Links of a run of consecutive sequences right after the head (as `Linker` does)."""
    breaks = []
    previous = head.linked_hash
    for p in run:
        if p.prevhash != previous:
            detail = "prevhash differs from the hash of the event before it"
            breaks.append(Break(head.source, p.seq, "bad_link", detail))
        previous = p.hash
    return breaks


def _note_checkpoints(
    head: ChainHead,
    ahead: Sequence[Pending],
    linked_to: int,
    breaks: Sequence[Break],
    keys: Mapping[str, str],
) -> None:
    """Keep the last checkpoint linked up to `linked_to` that verifies and links well."""
    badly_linked = {b.seq for b in breaks if b.kind == "bad_link"}
    for p in ahead:
        if p.seq > linked_to:
            break
        if p.wire is None or not is_checkpoint(p.type) or p.seq in badly_linked:
            continue
        if event_problem(p.wire, keys) is None:
            data = p.wire["data"]
            head.checkpoint_seq = p.seq
            head.checkpoint_at = datetime.fromisoformat(str(data["signed_at"]))
            head.checkpoint_key_id = str(data["key_id"])[:64]


async def settle_gaps(
    uow: UnitOfWork,
    sources: Sequence[str],
    keys: Mapping[str, Mapping[str, str]],
    now: datetime,
    grace: float,
) -> tuple[list[Break], set[str]]:
    """Once everything published is read: name each hole that has stayed open `grace`
    seconds a gap, and link on past it. The new breaks, and the sources still waiting."""
    heads = await heads_of(uow.session, sources, now, waiting=True)
    found: list[Found] = []
    still: set[str] = set()
    for source, head in heads.items():
        pending = await waiting_rows(uow.session, source, head.linked_seq)
        first = pending[0].received_at if pending else None
        if first is not None and first > now - timedelta(seconds=grace):
            still.add(source)
            continue
        found += [(b, None) for b in link(head, pending, keys.get(source, {}), finish=True)]
        head.updated_at = now
    return await record_breaks(uow, found, heads, now), still
