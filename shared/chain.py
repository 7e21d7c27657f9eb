"""Verification of a hash-chained event log: detects edited, deleted and reordered rows, and
re-chained ones at the next signed checkpoint."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.checkpoints import checkpoint_problem, is_checkpoint
from shared.events.envelope import GENESIS_HASH, chain_hash


@dataclass(frozen=True)
class ChainReport:
    """The verdict on a log: `ok`, how many rows were checked, and the first break found;
    and its signed checkpoints: how many held, and the last that did (seq, signing time)."""

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_at: int | None = None
    reason: str | None = None
    checkpoints: int = 0
    last_checkpoint_seq: int | None = None
    last_checkpoint_at: str | None = None


Routing = tuple[str, str, str, str]
"""The columns a relay sends by: event id, key (aggregate id), type and topic."""


@dataclass
class _Checkpoints:
    """The checkpoints that held so far."""

    count: int = 0
    last_seq: int | None = None
    last_at: str | None = None

    def take(self, seq: int, wire: dict[str, Any]) -> None:
        data = wire.get("data")
        self.count, self.last_seq = self.count + 1, seq
        self.last_at = str(data.get("signed_at")) if isinstance(data, dict) else None


def verify_chain(
    rows: Iterable[tuple[int, str, str] | tuple[int, str, str, Routing]],
    *,
    topic: str | None = None,
    public_keys: Mapping[str, str] | None = None,
) -> ChainReport:
    """Check `(seq, envelope_json, hash[, routing])` rows, in stored order, from seq 1 on.

    A checkpoint must sign the head just before it, and verify with one of `public_keys`
    (the source's keys by id; signatures are not checked when None). Truncation of the
    newest rows leaves a shorter, valid chain: compare `head_seq` and `head_hash` with the
    last checkpoint published to detect it.
    """
    expected_seq, prevhash, checked = 1, GENESIS_HASH, 0
    signed = _Checkpoints()
    for seq, envelope_json, stored_hash, *routing in rows:
        reason, wire = _check_row(expected_seq, prevhash, seq, envelope_json, stored_hash)
        if reason is None and routing:
            reason = _check_routing(wire, routing[0], topic)
        if reason is None and is_checkpoint(wire):
            reason = checkpoint_problem(wire, public_keys)
            if reason is None:
                signed.take(seq, wire)
        if reason is not None:
            return ChainReport(
                False, checked, expected_seq - 1, prevhash, seq, reason, *_counts(signed)
            )
        prevhash, expected_seq, checked = stored_hash, expected_seq + 1, checked + 1
    return ChainReport(True, checked, expected_seq - 1, prevhash, None, None, *_counts(signed))


def _counts(signed: _Checkpoints) -> tuple[int, int | None, str | None]:
    return signed.count, signed.last_seq, signed.last_at


def _check_routing(wire: dict[str, Any], routing: Routing, topic: str | None) -> str | None:
    event_id, key, event_type, row_topic = routing
    if (event_id, key, event_type) != (wire.get("id"), wire.get("subject"), wire.get("type")):
        return "the row's id, key or type differs from its envelope: it would be misrouted"
    if topic is not None and row_topic != topic:
        return f"the row names topic {row_topic!r}, not {topic!r}: it would be misrouted"
    return None


def _check_row(
    expected_seq: int, prevhash: str, seq: int, envelope_json: str, stored_hash: str
) -> tuple[str | None, dict[str, Any]]:
    if seq != expected_seq:
        return f"expected seq {expected_seq}, found {seq}: a row is missing or out of order", {}
    try:
        wire = json.loads(envelope_json)
    except ValueError:
        return "envelope is not valid JSON", {}
    if not isinstance(wire, dict):
        return "envelope is not a JSON object", {}
    return _check_links(prevhash, seq, wire, stored_hash), wire


def _check_links(prevhash: str, seq: int, wire: dict[str, Any], stored_hash: str) -> str | None:
    if wire.get("seq") != seq:
        return f"envelope says seq {wire.get('seq')}, row says {seq}: rows were reordered"
    if wire.get("prevhash") != prevhash:
        return "prevhash does not match the previous row's hash"
    if wire.get("hash") != stored_hash:
        return "the row's hash differs from the envelope's"
    if chain_hash(prevhash, wire) != stored_hash:
        return "the envelope was altered: its hash no longer matches"
    return None
