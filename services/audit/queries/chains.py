"""The chains as verified so far: each source's head, checkpoint and breaks (for /readyz and
the metrics)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.audit.models import ChainBreak, ChainHead

RECENT_BREAKS = 20


async def chain_heads(session: AsyncSession, sources: Sequence[str]) -> list[ChainHead]:
    """Each source's head, in the order given (an empty one for a source never read)."""
    rows = await session.execute(select(ChainHead))
    heads = {head.source: head for head in rows.scalars()}
    return [
        heads.get(source) or ChainHead(source=source, linked_hash="", breaks=0, events=0)
        for source in sources
    ]


async def chain_status(session: AsyncSession, sources: Sequence[str]) -> dict[str, Any]:
    """Per source: linked and stored sequence, events, last valid checkpoint, breaks; and the
    latest breaks at their place ("degraded" as soon as there is one)."""
    # breaks first: a head read after them counts at least the breaks listed (each break and
    # its head's count are committed together; PostgreSQL's READ COMMITTED gives each
    # statement a fresh snapshot), so a listed break never shows beside an "ok" chain
    recent = await session.execute(
        select(ChainBreak).order_by(col(ChainBreak.id).desc()).limit(RECENT_BREAKS)
    )
    breaks = [
        {
            "source": b.source,
            "seq": b.seq,
            "kind": b.kind,
            "detail": b.detail,
            "detected_at": b.detected_at.isoformat(),
        }
        for b in recent.scalars()
    ]
    heads = await chain_heads(session, sources)
    return {
        "status": "degraded" if any(h.breaks for h in heads) else "ready",
        "chains": {head.source: _chain(head) for head in heads},
        "breaks": breaks,
    }


def _chain(head: ChainHead) -> dict[str, Any]:
    return {
        "status": "broken"
        if head.breaks
        else "waiting"
        if head.stored_seq > head.linked_seq
        else "ok",
        "linked_seq": head.linked_seq,
        "stored_seq": head.stored_seq,
        "events": head.events,
        "breaks": head.breaks,
        "checkpoint": None
        if head.checkpoint_seq is None
        else {
            "seq": head.checkpoint_seq,
            "signed_at": head.checkpoint_at.isoformat() if head.checkpoint_at else None,
            "key_id": head.checkpoint_key_id,
        },
    }
