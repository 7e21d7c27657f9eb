"""The hash chain detects an edited, deleted or reordered event and says where."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from shared.chain import verify_chain
from shared.events.envelope import GENESIS_HASH, Envelope, canonical_json, chain_hash

Row = tuple[int, str, str]


def build_log(count: int) -> list[Row]:
    rows: list[Row] = []
    prevhash = GENESIS_HASH
    for seq in range(1, count + 1):
        wire = Envelope(
            id=f"id-{seq}",
            source="casework",
            type="casework.case_opened.v1",
            subject=f"case-{seq % 3}",
            time=datetime(2026, 1, 1, tzinfo=UTC),
            data={"n": seq},
            seq=seq,
            prevhash=prevhash,
        ).to_wire()
        wire["hash"] = prevhash = chain_hash(prevhash, wire)
        rows.append((seq, canonical_json(wire).decode(), prevhash))
    return rows


def test_an_intact_log_verifies() -> None:
    report = verify_chain(build_log(10))
    assert report.ok
    assert report.checked == 10
    assert report.head_seq == 10


def test_an_edited_event_is_detected_at_its_position() -> None:
    rows = build_log(10)
    seq, envelope_json, stored = rows[4]
    wire = json.loads(envelope_json)
    wire["data"]["n"] = 999
    rows[4] = (seq, canonical_json(wire).decode(), stored)
    report = verify_chain(rows)
    assert not report.ok
    assert report.broken_at == 5
    assert "altered" in (report.reason or "")


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link() -> None:
    rows = build_log(10)
    seq, envelope_json, _ = rows[4]
    wire = json.loads(envelope_json)
    wire["data"]["n"] = 999
    wire["hash"] = chain_hash(wire["prevhash"], wire)
    rows[4] = (seq, canonical_json(wire).decode(), wire["hash"])
    report = verify_chain(rows)
    assert not report.ok
    assert report.broken_at == 6
    assert "prevhash" in (report.reason or "")


def test_a_deleted_event_is_detected() -> None:
    rows = build_log(10)
    del rows[3]
    report = verify_chain(rows)
    assert not report.ok
    assert report.broken_at == 5
    assert report.checked == 3


def test_reordered_events_are_detected() -> None:
    rows = build_log(10)
    (s6, e6, h6), (s7, e7, h7) = rows[5], rows[6]
    rows[5], rows[6] = (s6, e7, h7), (s7, e6, h6)
    report = verify_chain(rows)
    assert not report.ok
    assert report.broken_at == 6
    assert "reordered" in (report.reason or "")
