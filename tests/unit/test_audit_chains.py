"""Audit's chain checks: events in any order link back in sequence; a duplicate is passed
over, a fork, a broken link, an altered event, a gap and a bad checkpoint are each named at
their exact sequence."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from services.audit.domain.chains import Break, Linker, event_problem
from shared.checkpoints import SigningKey, new_private_base64
from shared.events.envelope import GENESIS_HASH, chain_hash

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
KEY = SigningKey.from_base64("k1", new_private_base64())
KEYS = {"k1": KEY.public_base64}


def chain(n: int, source: str = "intake", checkpoint_at: int | None = None) -> list[dict[str, Any]]:
    """`n` envelopes of `source`, hash-chained; a signed checkpoint at `checkpoint_at`."""
    events, prevhash = [], GENESIS_HASH
    for seq in range(1, n + 1):
        kind = "checkpoint" if seq == checkpoint_at else "person_registered"
        data: dict[str, Any] = {"person_id": f"p{seq}"}
        if kind == "checkpoint":
            signed = KEY.sign(source, seq - 1, prevhash, T0)
            data = {
                "head_seq": seq - 1,
                "head_hash": prevhash,
                "signed_at": T0.isoformat(),
                "key_id": "k1",
                "signature": signed.signature,
            }
        wire = {
            "id": f"e{seq}",
            "source": source,
            "type": f"{source}.{kind}.v1",
            "subject": f"p{seq}",
            "time": (T0 + timedelta(seconds=seq)).isoformat(),
            "data": data,
            "seq": seq,
            "prevhash": prevhash,
        }
        wire["hash"] = prevhash = chain_hash(prevhash, wire)
        events.append(wire)
    return events


def link_all(events: list[dict[str, Any]]) -> tuple[Linker, list[Break]]:
    linker = Linker(events[0]["source"])
    breaks = []
    for wire in events:
        breaks += linker.add(wire["seq"], wire["prevhash"], wire["hash"])
    return linker, breaks + linker.finish()


def test_events_from_shuffled_partitions_link_in_sequence() -> None:
    events = chain(500, checkpoint_at=250)
    random.Random(7).shuffle(events)
    assert [event_problem(e, KEYS) for e in events] == [None] * 500
    linker, breaks = link_all(events + events[:40])  # and a redelivery of 40
    assert breaks == []
    assert (linker.head_seq, linker.waiting) == (500, 0)


def test_a_fork_is_named_at_its_sequence() -> None:
    events = chain(10)
    other = chain(10, source="intake")
    other[6]["data"] = {"person_id": "someone else"}
    rechained = chain(6) + _rechain(other[6:], events[5]["hash"])
    _, breaks = link_all(events + rechained)
    assert [(b.seq, b.kind) for b in breaks] == [(s, "fork") for s in range(7, 11)]


def test_an_edited_event_a_broken_link_and_a_gap() -> None:
    events = chain(12)
    events[3]["data"] = {"person_id": "edited"}
    assert event_problem(events[3], KEYS) == Break(
        "intake", 4, "altered", "the envelope's hash does not match its content"
    )
    del events[7:9]  # seq 8 and 9 never come
    _, breaks = link_all(events)
    assert [(b.seq, b.kind, b.detail) for b in breaks] == [(8, "gap", "missing seq 8 to 9")]
    relinked = chain(5)
    relinked[3]["prevhash"] = "f" * 64
    _, breaks = link_all(relinked)
    assert [(b.seq, b.kind) for b in breaks] == [(4, "bad_link")]


def test_a_checkpoint_signed_with_a_wrong_key_or_for_another_head_is_refused() -> None:
    events = chain(6, checkpoint_at=6)
    assert event_problem(events[5], KEYS) is None
    stranger = SigningKey.from_base64("k1", new_private_base64())
    problem = event_problem(events[5], {"k1": stranger.public_base64})
    assert problem is not None
    assert (problem.seq, problem.kind) == (6, "bad_checkpoint")
    assert event_problem(events[5], {}) is not None
    moved = dict(events[5], data=dict(events[5]["data"], head_seq=3))
    moved["hash"] = chain_hash(moved["prevhash"], moved)
    problem = event_problem(moved, KEYS)
    assert problem is not None
    assert problem.detail == "signs head 3, not the event before it (5)"


def _rechain(events: list[dict[str, Any]], prevhash: str) -> list[dict[str, Any]]:
    for wire in events:
        wire["prevhash"] = prevhash
        wire["hash"] = prevhash = chain_hash(prevhash, {k: v for k, v in wire.items()})
    return events
