"""Audit's reading of one record: an envelope becomes an arrival with its refs; anything else
is a `malformed` break at its partition and offset, never an error."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from services.audit.domain.arrivals import Arrival, decode
from services.audit.domain.chains import Break
from services.audit.domain.refs import event_refs
from shared.events.casework import CaseTransferred
from shared.events.envelope import GENESIS_HASH, Envelope, canonical_json, chain_hash

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def wire_of(data: dict[str, object], **extra: object) -> dict[str, object]:
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="casework",
        type="casework.case_transferred.v1",
        subject="case-1",
        time=NOW,
        data=data,
        actor="u-1",
        actororg="asso-a",
    )
    wire = envelope.model_copy(update={"seq": 1, "prevhash": GENESIS_HASH}).to_wire()
    wire.update(extra)
    wire["hash"] = chain_hash(GENESIS_HASH, wire)
    return wire


def transferred() -> dict[str, object]:
    event = CaseTransferred(
        case_id="case-1",
        person_id="p-1",
        from_organisation="asso-a",
        to_organisation="asso-b",
        version=2,
        transferred_at=NOW,
    )
    return event.model_dump(mode="json")


def test_an_envelope_is_kept_byte_for_byte_with_its_place() -> None:
    value = canonical_json(wire_of(transferred()))
    arrival = decode("casework", "casework.events", 3, 17, value)
    assert isinstance(arrival, Arrival)
    assert (arrival.seq, arrival.partition, arrival.offset, arrival.time) == (1, 3, 17, NOW)
    assert arrival.text.encode() == value


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (b"\xff\xfe", "not a JSON envelope"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"source": "casework"}).encode(), "no sequence"),
        (canonical_json(wire_of({}, source="intake")), "source is not the topic's service"),
        (canonical_json(wire_of({}, subject="s" * 129)), "subject"),
        (canonical_json(wire_of({}, time="yesterday")), "time"),
        (json.dumps({**wire_of({}), "actor": "\ud800"}).encode(), "actor"),
        (canonical_json(wire_of({}, seq=2**63)), "no sequence"),
        (None, "not a JSON envelope"),
    ],
)
def test_a_record_that_is_no_envelope_is_a_malformed_break_at_its_offset(
    value: bytes | None, why: str
) -> None:
    found = decode("casework", "casework.events", 2, 40, value)
    assert isinstance(found, Break)
    assert (found.source, found.kind) == ("casework", "malformed")
    assert "partition 2 offset 40" in found.detail
    assert why in found.detail


def test_an_event_is_found_by_every_id_it_names_and_the_acting_organisation() -> None:
    refs = event_refs(wire_of(transferred()))
    assert refs == {
        ("case", "case-1"),
        ("person", "p-1"),
        ("organisation", "asso-a"),
        ("organisation", "asso-b"),
    }


def test_an_access_event_is_found_by_each_read_it_holds() -> None:
    reads = [
        {
            "actor": "u-2",
            "actororg": "asso-c",
            "resource": "case_notes",
            "resource_id": "case-9",
            "person_id": "p-9",
            "at": NOW.isoformat(),
            "route": "/cases/{id}/notes",
        },
        {
            "actor": "u-3",
            "actororg": "asso-d",
            "resource": "export",
            "resource_id": "x-1",
            "person_id": None,
            "at": NOW.isoformat(),
            "route": "/persons/{id}/export",
        },
    ]
    wire = wire_of({"reads": reads})
    wire.pop("actororg")
    assert event_refs(wire) == {
        ("case", "case-9"),
        ("person", "p-9"),
        ("organisation", "asso-c"),
        ("organisation", "asso-d"),
    }


def test_an_id_too_long_to_index_is_left_out() -> None:
    assert event_refs({"data": {"person_id": "p" * 129, "case_id": "c-1"}}) == {("case", "c-1")}
