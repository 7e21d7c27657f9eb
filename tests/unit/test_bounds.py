"""The bounded types every API uses: what they accept, what they refuse, what the schema says;
and the rule of when an appointment may be: ahead of now, or past only as history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from services.casework.domain import Refused
from services.casework.domain import appointments as rules
from shared import bounds
from shared.events.casework import AppointmentAttended, AppointmentMissed, AppointmentScheduled

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def refuses(kind: Any, value: object) -> str:
    """The error type pydantic gives for `value`, which must be refused."""
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(kind).validate_python(value)
    return str(refused.value.errors()[0]["type"])


@pytest.mark.parametrize(
    ("kind", "accepted", "refused"),
    [
        (bounds.Offset, [0, 1_000_000], [-1, 1_000_001, 2**63, 2**64]),
        (bounds.Limit, [1, 200], [0, 201]),
        (bounds.Version, [1, 1_000_000_000], [0, 2**31 - 1, 2**63]),
        (bounds.Year, [1900, 2200], [1899, 2201, 10**20]),
    ],
)
def test_numbers_stay_in_their_range(kind: Any, accepted: list[int], refused: list[int]) -> None:
    adapter = TypeAdapter(kind)
    assert [adapter.validate_python(n) for n in accepted] == accepted
    for n in refused:
        assert refuses(kind, n) in ("greater_than_equal", "less_than_equal"), n


def test_an_instant_is_aware_and_plausible_and_converts_to_utc_without_overflow() -> None:
    adapter = TypeAdapter(bounds.Instant)
    latest = adapter.validate_python("2200-12-31T00:00:00-23:59")
    assert latest.astimezone(UTC) == datetime(2200, 12, 31, 23, 59, tzinfo=UTC)
    earliest = adapter.validate_python("1900-01-02T00:00:00+23:59")
    assert earliest.astimezone(UTC) == datetime(1900, 1, 1, 0, 1, tzinfo=UTC)
    assert refuses(bounds.Instant, "9999-12-31T23:59:59-23:59") == "less_than_equal"
    assert refuses(bounds.Instant, "0001-01-01T00:00:00+23:59") == "greater_than_equal"
    assert refuses(bounds.Instant, "2026-03-02T09:00:00") == "timezone_aware"


def test_a_day_is_plausible() -> None:
    assert TypeAdapter(bounds.Day).validate_python("2026-03-02") == date(2026, 3, 2)
    assert refuses(bounds.Day, "9999-12-31") == "less_than_equal"
    assert refuses(bounds.Day, "0001-01-01") == "greater_than_equal"


@pytest.mark.parametrize(
    ("kind", "longest"),
    [
        (bounds.Name, 200),
        (bounds.Line, 300),
        (bounds.Reason, 500),
        (bounds.Note, 5000),
        (bounds.UserId, 128),
        (bounds.ZoneName, 64),
    ],
)
def test_texts_have_a_longest(kind: Any, longest: int) -> None:
    assert TypeAdapter(kind).validate_python("x" * longest) == "x" * longest
    assert refuses(kind, "x" * (longest + 1)) == "string_too_long"
    assert TypeAdapter(kind).json_schema()["maxLength"] == longest


def test_one_line_texts_and_identifiers_refuse_what_they_cannot_hold() -> None:
    assert refuses(bounds.Name, "Amina\nSecond line") == "string_pattern_mismatch"
    assert refuses(bounds.Line, "  ") == "string_too_short"
    assert TypeAdapter(bounds.Identifier).validate_python("asylum.guda_appointment")
    assert refuses(bounds.Identifier, "Asylum") == "string_pattern_mismatch"
    assert refuses(bounds.Identifier, "a" * 65) == "string_too_long"
    assert refuses(bounds.UserId, "lea martin") == "string_pattern_mismatch"


def test_the_schema_states_every_range() -> None:
    offset = TypeAdapter(bounds.Offset).json_schema()
    assert (offset["minimum"], offset["maximum"]) == (0, 1_000_000)
    instant = TypeAdapter(bounds.Instant).json_schema()
    assert (instant["formatMinimum"], instant["formatMaximum"]) == (
        "1900-01-01T00:00:00Z",
        "2200-12-31T23:59:59Z",
    )
    assert "1900-01-01" in instant["description"]
    day = TypeAdapter(bounds.Day).json_schema()
    assert (day["formatMinimum"], day["formatMaximum"]) == ("1900-01-01", "2200-12-31")


def book(starts_at: datetime, outcome: rules.Outcome | None = None) -> rules.Change:
    return rules.schedule(
        appointment_id="a1",
        case_id="c1",
        person_id="p1",
        organisation_id="city",
        kind=rules.Kind.LAWYER,
        starts_at=starts_at,
        timezone="Europe/Paris",
        place="enc:v1:AAAA",
        now=NOW,
        outcome=outcome,
    )


def mistimed(move: Any) -> rules.Mistimed:
    with pytest.raises(rules.Mistimed) as refused:
        move()
    return refused.value


def test_an_appointment_is_booked_ahead_of_now_and_never_absurdly_far() -> None:
    state, event = book(NOW + timedelta(minutes=1))
    assert (state.status, type(event)) == (rules.Status.SCHEDULED, AppointmentScheduled)
    assert mistimed(lambda: book(NOW)).field == "starts_at", "now is already past"
    assert "already past" in mistimed(lambda: book(NOW - timedelta(days=1))).reason
    assert mistimed(lambda: book(NOW + timedelta(days=6 * 366))).field == "starts_at"
    too_early = mistimed(lambda: book(NOW + timedelta(days=1), rules.Outcome.ATTENDED))
    assert too_early.field == "outcome"


def test_a_past_appointment_is_recorded_as_history_with_its_outcome() -> None:
    held = NOW - timedelta(days=10)
    state, event = book(held, rules.Outcome.MISSED)
    assert (state.status, state.revision) == (rules.Status.MISSED, 1)
    assert isinstance(event, AppointmentMissed)
    assert event.history is True
    assert event.starts_at == held
    assert mistimed(lambda: book(NOW - timedelta(days=11 * 366), rules.Outcome.MISSED)).field == (
        "starts_at"
    )


def test_a_move_into_the_past_is_history_or_refused() -> None:
    state, _ = book(NOW + timedelta(days=3))
    held = NOW - timedelta(hours=2)
    refused = mistimed(lambda: rules.reschedule(state, now=NOW, revision=1, starts_at=held))
    assert refused.field == "starts_at"
    done, event = rules.reschedule(
        state, now=NOW, revision=1, starts_at=held, outcome=rules.Outcome.ATTENDED
    )
    assert (done.status, done.revision, done.starts_at) == (rules.Status.ATTENDED, 2, held)
    assert isinstance(event, AppointmentAttended)
    assert event.history is True
    # marking an outcome the usual way is not history
    started = replace(state, starts_at=held)
    _, marked = rules.attended(started, now=NOW)
    assert isinstance(marked, AppointmentAttended)
    assert marked.history is False


def test_a_change_of_place_alone_is_not_a_move_in_time() -> None:
    state, _ = book(NOW + timedelta(days=3))
    started = replace(state, starts_at=NOW - timedelta(minutes=5))
    moved, _ = rules.reschedule(started, now=NOW, revision=1, place="enc:v1:BBBB")
    assert moved.place == "enc:v1:BBBB"
    with pytest.raises(Refused):
        rules.reschedule(started, now=NOW, revision=1)
