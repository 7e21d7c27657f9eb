"""Audit's fast paths (orjson, the hash of the published bytes, no storability scan without
an escape) give the verdicts of the slow ones, on ingestion and on replay alike."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from services.audit.domain.arrivals import Arrival, decode, own_problem, parse
from services.audit.domain.chains import event_problem
from services.audit.domain.refs import event_refs
from services.audit.replay.checking import Checker
from services.audit.replay.window import Window
from shared.checkpoints import SigningKey, checkpoint_type, new_private_base64
from shared.events.envelope import GENESIS_HASH, canonical_json, chain_hash

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = SigningKey.from_base64("k1", new_private_base64())
KEYS = {KEY.key_id: KEY.public_base64}


def envelope(seq: int = 1, prevhash: str = GENESIS_HASH, **data: Any) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "source": "casework",
        "type": "casework.case_opened.v1",
        "subject": "case-1",
        "time": NOW.isoformat(),
        "data": {"person_id": "p-1", **data},
        "actor": "u-1",
        "actororg": "asso-a",
        "seq": seq,
        "prevhash": prevhash,
    }
    wire["hash"] = chain_hash(prevhash, wire)
    return wire


def checkpoint(key: SigningKey) -> dict[str, Any]:
    before = envelope()
    signed = key.sign("casework", 1, before["hash"], NOW)
    data = {
        "head_seq": 1,
        "head_hash": before["hash"],
        "signed_at": NOW.isoformat(),
        "key_id": signed.key_id,
        "signature": signed.signature,
    }
    wire = {**envelope(2, before["hash"]), "type": checkpoint_type("casework"), "data": data}
    wire["hash"] = chain_hash(before["hash"], wire)
    return wire


def edited(wire: dict[str, Any]) -> bytes:
    return canonical_json({**wire, "data": {**wire["data"], "person_id": "p-2"}})


def spaced(wire: dict[str, Any]) -> bytes:
    """Not the canonical bytes, yet the canonical hash: the slow path accepts it."""
    return json.dumps(wire, indent=1).encode()


VALUES = {
    "canonical": canonical_json(envelope()),
    "edited": edited(envelope()),
    "spaced": spaced(envelope()),
    "checkpoint": canonical_json(checkpoint(KEY)),
    "forged checkpoint": canonical_json(
        checkpoint(SigningKey.from_base64("k1", new_private_base64()))
    ),
    "big integer": canonical_json(envelope(count=2**70)),
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_ingestion_judges_each_envelope_as_the_canonical_check_does(name: str) -> None:
    value = VALUES[name]
    arrival = decode("casework", "casework.events", 0, 1, value)
    assert isinstance(arrival, Arrival)
    expected = event_problem(json.loads(value), KEYS)
    assert own_problem(arrival, value, KEYS) == expected
    assert (expected is None) == (name in ("canonical", "spaced", "checkpoint", "big integer"))


@pytest.mark.parametrize("name", sorted(VALUES))
def test_the_replay_judges_each_envelope_as_the_canonical_check_does(name: str) -> None:
    value = VALUES[name]
    _links, breaks = Checker({"casework": KEYS}, Window()).check("casework", [value])
    expected = event_problem(json.loads(value), KEYS)
    assert breaks == ([] if expected is None else [expected])


@pytest.mark.parametrize(
    "text",
    ['{"a":"\\ud800"}', '{"a":NaN}', ' {"a":1} ', '{"a":1,"a":2}'],
)
def test_what_orjson_refuses_or_reads_otherwise_is_read_by_the_standard_library(
    text: str,
) -> None:
    parsed, expected = parse(text.encode(), text), json.loads(text)
    assert repr(parsed) == repr(expected)


def test_a_huge_sequence_on_replay_is_read_as_the_standard_library_reads_it() -> None:
    value = canonical_json(envelope(seq=2**70))
    links, _breaks = Checker({"casework": KEYS}, Window()).check("casework", [value])
    assert [seq for seq, _prev, _hash in links] == [2**70]


def test_an_escaped_nul_or_surrogate_still_keeps_a_ref_out_of_the_store() -> None:
    for bad in ("p\x00", "p\ud800"):
        wire = {"actororg": "asso-a", "data": {"case_id": bad}}
        value = json.dumps(wire).encode()
        assert b"\\u" in value
        assert ("case", bad) not in event_refs(json.loads(value), escaped=True)
    assert ("case", "c-1") in event_refs(envelope(case_id="c-1"), escaped=False)


def test_a_prevhash_that_is_no_hash_is_malformed_not_a_crash() -> None:
    wire = {**envelope(), "prevhash": "é" * 64}
    value = json.dumps(wire, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    arrival = decode("casework", "casework.events", 0, 1, value)
    assert not isinstance(arrival, Arrival)
    assert arrival.kind == "malformed"
    _links, breaks = Checker({"casework": KEYS}, Window()).check("casework", [value])
    assert [b.kind for b in breaks] == ["malformed"]
