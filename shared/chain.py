"""Verification of a hash-chained event log: detects edited, deleted and reordered rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from shared.events.envelope import GENESIS_HASH, chain_hash


@dataclass(frozen=True)
class ChainReport:
    """The verdict on a log: `ok`, how many rows were checked, and the first break found."""

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_at: int | None = None
    reason: str | None = None


Routing = tuple[str, str, str, str]
"""The columns a relay sends by: event id, key (aggregate id), type and topic."""


def verify_chain(
    rows: Iterable[tuple[int, str, str] | tuple[int, str, str, Routing]],
    *,
    topic: str | None = None,
) -> ChainReport:
    """Check `(seq, envelope_json, hash[, routing])` rows, in stored order, from seq 1 on.

    Truncation of the newest rows leaves a shorter, valid chain: compare `head_seq` and
    `head_hash` with a published checkpoint to detect it.
    """
    expected_seq, prevhash, checked = 1, GENESIS_HASH, 0
    for seq, envelope_json, stored_hash, *routing in rows:
        reason = _check_row(expected_seq, prevhash, seq, envelope_json, stored_hash)
        if reason is None and routing:
            reason = _check_routing(envelope_json, routing[0], topic)
        if reason is not None:
            return ChainReport(False, checked, expected_seq - 1, prevhash, seq, reason)
        prevhash, expected_seq, checked = stored_hash, expected_seq + 1, checked + 1
    return ChainReport(True, checked, expected_seq - 1, prevhash)


def _check_routing(envelope_json: str, routing: Routing, topic: str | None) -> str | None:
    wire = json.loads(envelope_json)
    event_id, key, event_type, row_topic = routing
    if (event_id, key, event_type) != (wire.get("id"), wire.get("subject"), wire.get("type")):
        return "the row's id, key or type differs from its envelope: it would be misrouted"
    if topic is not None and row_topic != topic:
        return f"the row names topic {row_topic!r}, not {topic!r}: it would be misrouted"
    return None


def _check_row(
    expected_seq: int, prevhash: str, seq: int, envelope_json: str, stored_hash: str
) -> str | None:
    if seq != expected_seq:
        return f"expected seq {expected_seq}, found {seq}: a row is missing or out of order"
    try:
        wire = json.loads(envelope_json)
    except ValueError:
        return "envelope is not valid JSON"
    if wire.get("seq") != seq:
        return f"envelope says seq {wire.get('seq')}, row says {seq}: rows were reordered"
    if wire.get("prevhash") != prevhash:
        return "prevhash does not match the previous row's hash"
    if wire.get("hash") != stored_hash:
        return "the row's hash differs from the envelope's"
    if chain_hash(prevhash, wire) != stored_hash:
        return "the envelope was altered: its hash no longer matches"
    return None
