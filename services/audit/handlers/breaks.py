"""Recording the breaks found: each once, at its place, with an `audit.chain_broken` event."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import structlog

from services.audit.domain.arrivals import DETAIL_LENGTH
from services.audit.domain.chains import Break
from services.audit.handlers.bulk import table_of, upsert
from services.audit.models import ChainBreak, ChainHead
from shared.events.audit import ChainBroken
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)

Found = tuple[Break, str | None]
"""A break and, for a fork, the other envelope (the evidence), kept beside it."""


async def record_breaks(
    uow: UnitOfWork, found: Sequence[Found], heads: Mapping[str, ChainHead], now: datetime
) -> list[Break]:
    """Store the breaks not stored yet, count them on their source's head, and stage one
    `audit.chain_broken` event for each; the new breaks."""
    rows: dict[tuple[str, int, str, str], dict[str, Any]] = {}
    for found_break, envelope in found:
        detail = found_break.detail[:DETAIL_LENGTH]
        detail_hash = hashlib.sha256(detail.encode()).hexdigest()
        key = (found_break.source, found_break.seq, found_break.kind, detail_hash)
        rows.setdefault(key, _row(found_break, detail, detail_hash, envelope, now))
    if not rows:
        return []
    table = table_of(ChainBreak)
    statement = (
        upsert(uow.session, table)
        .on_conflict_do_nothing(index_elements=["source", "seq", "kind", "detail_hash"])
        .returning(table.c.source, table.c.seq, table.c.kind, table.c.detail)
    )
    result = await uow.session.execute(statement, list(rows.values()))
    new = [Break(r.source, r.seq, r.kind, r.detail) for r in result.all()]
    for broken in sorted(new, key=lambda b: (b.source, b.seq, b.kind)):
        if broken.source in heads:
            heads[broken.source].breaks += 1
        uow.record(
            ChainBroken(
                source=broken.source,
                seq=broken.seq,
                kind=broken.kind,
                detail=broken.detail,
                detected_at=now,
            )
        )
        log.warning("audit.chain_broken", source=broken.source, seq=broken.seq, kind=broken.kind)
    return new


def _row(
    found: Break, detail: str, detail_hash: str, envelope: str | None, now: datetime
) -> dict[str, Any]:
    return {
        "source": found.source,
        "seq": found.seq,
        "kind": found.kind,
        "detail": detail,
        "detail_hash": detail_hash,
        "envelope": envelope,
        "detected_at": now,
    }
