"""Envelope, registry and upcasting: pure logic, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from shared.events.base import Event
from shared.events.envelope import Envelope, split_type
from shared.events.registry import EventRegistry, UnknownEventType, UnknownFutureVersion


class RoomOpenedV1(Event):
    TYPE = "housing.room_opened.v1"
    AGGREGATE = "room_id"
    room_id: str
    beds: int


class RoomOpenedV2(Event):
    TYPE = "housing.room_opened.v2"
    AGGREGATE = "room_id"
    room_id: str
    beds: int
    accessible: bool


def envelope(event_type: str, data: dict[str, Any]) -> Envelope:
    return Envelope(
        id="e1",
        source="housing",
        type=event_type,
        subject="r1",
        time=datetime(2026, 1, 1, tzinfo=UTC),
        data=data,
    )


def test_old_versions_are_upcast_to_the_newest_contract() -> None:
    registry = EventRegistry([RoomOpenedV2])
    registry.register_upcaster(
        "housing.room_opened.v1", "housing.room_opened.v2", lambda d: {**d, "accessible": False}
    )
    event = registry.decode(envelope("housing.room_opened.v1", {"room_id": "r1", "beds": 4}))
    assert event == RoomOpenedV2(room_id="r1", beds=4, accessible=False)


def test_a_newer_version_than_known_is_reported_as_future() -> None:
    registry = EventRegistry([RoomOpenedV1])
    with pytest.raises(UnknownFutureVersion):
        registry.decode(envelope("housing.room_opened.v2", {"room_id": "r1"}))


def test_an_unknown_type_is_reported_as_unknown() -> None:
    registry = EventRegistry([RoomOpenedV1])
    with pytest.raises(UnknownEventType):
        registry.decode(envelope("housing.room_closed.v1", {"room_id": "r1"}))


def test_a_type_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        EventRegistry([RoomOpenedV1, RoomOpenedV1])


def test_contracts_are_frozen_and_reject_unknown_fields() -> None:
    event = RoomOpenedV1(room_id="r1", beds=2)
    with pytest.raises(ValidationError):
        event.beds = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        RoomOpenedV1(room_id="r1", beds=2, colour="blue")  # type: ignore[call-arg]


@pytest.mark.parametrize("bad", ["housing.room_opened", "Housing.RoomOpened.v1", "a.b.v0"])
def test_envelope_types_must_be_versioned(bad: str) -> None:
    with pytest.raises(ValidationError):
        envelope(bad, {})
    with pytest.raises(ValueError, match="versioned"):
        split_type(bad)


def test_envelope_ignores_unknown_extension_attributes() -> None:
    wire = envelope("housing.room_opened.v1", {}).to_wire() | {"traceparent": "00-abc"}
    assert Envelope.model_validate(wire).type == "housing.room_opened.v1"
