"""Logging: one redacting chain for structlog and stdlib, with canary values that must not leak."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from aiokafka.errors import GroupCoordinatorNotAvailableError, NotLeaderForPartitionError

from shared.logging import (
    PERSONAL_KEYS,
    clear_sensitive_values,
    configure_logging,
    get_logger,
    redact_personal_data,
    register_sensitive_value,
)

CANARY = "Zyxwvu Canary-Name"
CANARY_WORD = "Zyxwvu"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("test-service", level="DEBUG", json=True, stream=stream)
    yield stream
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    clear_sensitive_values()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_lines_are_json_with_service_level_iso_utc_timestamp(output: io.StringIO) -> None:
    get_logger("x").info("case.opened", case_id="c-1")
    [line] = lines(output)
    assert line["event"] == "case.opened"
    assert line["case_id"] == "c-1"
    assert line["service"] == "test-service"
    assert line["level"] == "info"
    assert line["logger"] == "x"
    assert line["timestamp"].endswith("Z")


def test_get_logger_without_name_uses_the_calling_module(output: io.StringIO) -> None:
    get_logger().info("x.y")
    assert lines(output)[0]["logger"] == __name__


def test_personal_keys_are_redacted_at_top_level_and_nested(output: io.StringIO) -> None:
    get_logger("x").info(
        "person.registered",
        name=CANARY,
        person_id="p-1",
        contact={"Phone": "+33612345678", "email": "z@example.org", "lang": "fr"},
        people=[{"chosen_name": CANARY}, {"notes": ["secret note"]}],
    )
    text = output.getvalue()
    assert CANARY_WORD not in text
    assert "+33612345678" not in text
    assert "z@example.org" not in text
    assert "secret note" not in text
    [line] = lines(output)
    assert line["name"] == "[redacted]"
    assert line["person_id"] == "p-1"
    assert line["contact"] == {"Phone": "[redacted]", "email": "[redacted]", "lang": "fr"}
    assert line["people"] == [{"chosen_name": "[redacted]"}, {"notes": "[redacted]"}]


def test_registered_values_are_scrubbed_from_every_string(output: io.StringIO) -> None:
    register_sensitive_value(CANARY)
    log = get_logger("x")
    message = f"greeting {CANARY} at desk"  # a careless message that embeds a name
    log.info(message, detail="seen zyxwvu  canary name today")
    log.info("x.y", items=[("tuple", CANARY)], obj=ValueError(CANARY.upper()))
    text = output.getvalue()
    assert CANARY_WORD.casefold() not in text.casefold()
    first, second = lines(output)
    assert first["event"] == "greeting [redacted] at desk"
    assert first["detail"] == "seen [redacted] today"
    assert second["items"] == [["tuple", "[redacted]"]]


def test_registered_value_inside_other_words_is_kept(output: io.StringIO) -> None:
    register_sensitive_value("Li")
    get_logger("x").info("Listing links for Li today")
    assert lines(output)[0]["event"] == "Listing links for [redacted] today"


def test_exception_text_is_rendered_then_scrubbed(output: io.StringIO) -> None:
    register_sensitive_value(CANARY)
    try:
        raise ValueError(f"cannot register {CANARY}")
    except ValueError:
        get_logger("x").exception("person.failed")
    text = output.getvalue()
    assert CANARY_WORD not in text
    [line] = lines(output)
    assert "Traceback" in line["exception"]
    assert "ValueError: cannot register [redacted]" in line["exception"]


def test_stdlib_and_library_loggers_go_through_the_same_chain(output: io.StringIO) -> None:
    register_sensitive_value(CANARY)
    structlog.contextvars.bind_contextvars(request_id="r-1", correlation_id="c-1")
    logging.getLogger("uvicorn.error").warning("client %s said hi", CANARY)
    try:
        raise RuntimeError(CANARY)
    except RuntimeError:
        logging.getLogger("aiokafka").exception("consumer crashed")
    text = output.getvalue()
    assert CANARY_WORD not in text
    first, second = lines(output)
    assert first["event"] == "client [redacted] said hi"
    assert first["logger"] == "uvicorn.error"
    assert first["service"] == "test-service"
    assert first["request_id"] == "r-1"
    assert first["correlation_id"] == "c-1"
    assert "RuntimeError: [redacted]" in second["exception"]


def test_contextvars_appear_on_structlog_lines(output: io.StringIO) -> None:
    structlog.contextvars.bind_contextvars(event_id="e-1")
    get_logger("x").info("event.handled")
    assert lines(output)[0]["event_id"] == "e-1"


def test_bearer_tokens_and_jwts_are_scrubbed(output: io.StringIO) -> None:
    jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
    get_logger("x").info(
        "header seen: Authorization: Bearer abc.def-ghi", headers={"authorization": "x"}
    )
    get_logger("x").info("x.y", raw=f"token was {jwt_like}")
    text = output.getvalue()
    assert "abc.def-ghi" not in text
    assert jwt_like not in text
    assert "Bearer [redacted]" in text


def test_pydantic_validation_errors_do_not_leak_input(output: io.StringIO) -> None:
    import pydantic

    class Person(pydantic.BaseModel):
        age: int

    try:
        Person.model_validate({"age": CANARY})
    except pydantic.ValidationError:
        get_logger("x").exception("validation.failed")
    assert CANARY_WORD not in output.getvalue()


def test_configure_twice_does_not_duplicate_lines() -> None:
    root = logging.getLogger()
    saved = list(root.handlers)
    first, second = io.StringIO(), io.StringIO()
    try:
        configure_logging("svc", json=True, stream=first)
        configure_logging("svc", json=True, stream=second)
        get_logger("x").info("only.once")
        logging.getLogger("alembic").info("also once")
    finally:
        root.handlers[:] = saved
        structlog.reset_defaults()
    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 2


def test_level_filters_lines() -> None:
    root = logging.getLogger()
    saved, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    try:
        configure_logging("svc", level="WARNING", json=True, stream=stream)
        get_logger("x").info("hidden")
        get_logger("x").warning("shown")
    finally:
        root.handlers[:] = saved
        root.setLevel(saved_level)
        structlog.reset_defaults()
    assert [line["event"] for line in lines(stream)] == ["shown"]


def test_console_renderer_is_redacted_too() -> None:
    root = logging.getLogger()
    saved, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    register_sensitive_value(CANARY)
    try:
        configure_logging("svc", json=False, stream=stream)
        try:
            raise KeyError(CANARY)
        except KeyError:
            get_logger("x").exception("oops", name=CANARY, note="free text here")
    finally:
        root.handlers[:] = saved
        root.setLevel(saved_level)
        structlog.reset_defaults()
        clear_sensitive_values()
    text = stream.getvalue()
    assert "oops" in text
    assert "KeyError" in text
    assert CANARY_WORD not in text
    assert "free text here" not in text


def test_processor_redacts_every_listed_key() -> None:
    event = {key: CANARY for key in PERSONAL_KEYS} | {"event": "e", "case_id": "c-1"}
    result = redact_personal_data(None, "info", event)
    assert {result[key] for key in PERSONAL_KEYS} == {"[redacted]"}
    assert result["case_id"] == "c-1"
    assert {"name", "phone", "note", "token", "data_key", "plaintext"} <= PERSONAL_KEYS


def test_credentials_in_urls_and_assignments_are_scrubbed(output: io.StringIO) -> None:
    get_logger("x").warning(
        "db.unreachable", error="postgresql://passerelle:hunter2@db:5432/intake password=hunter3"
    )
    text = output.getvalue()
    assert "hunter2" not in text
    assert "hunter3" not in text
    assert "postgresql://[redacted]@db:5432/intake" in text


def test_a_fresh_broker_electing_its_leaders_is_not_an_error(output: io.StringIO) -> None:
    """aiokafka's retried errors of a broker that is still electing are info, not errors."""
    coordinator = logging.getLogger("aiokafka.consumer.group_coordinator")
    coordinator.error("Group Coordinator Request failed: %s", GroupCoordinatorNotAvailableError())
    logging.getLogger("aiokafka.cluster").error(
        "Error fetching metadata for topic %s: %s", "intake.events", NotLeaderForPartitionError
    )
    logging.getLogger("aiokafka.cluster").error(
        "Topic %s not found in cluster metadata", "intake.events"
    )
    logging.getLogger("aiokafka.client").error('Unable connect to "%s:%s": %s', "h", 1, "refused")
    get_logger("x").error("relay.failed", error="NotLeaderForPartitionError")
    levels = [(line["logger"], line["level"]) for line in lines(output)]
    assert levels == [
        ("aiokafka.consumer.group_coordinator", "info"),
        ("aiokafka.cluster", "info"),
        ("aiokafka.cluster", "info"),
        ("aiokafka.client", "error"),  # a broker that does not answer at all is still an error
        ("x", "error"),  # our own lines keep the level they were given
    ]


def test_election_noise_is_dropped_when_only_warnings_are_shown() -> None:
    root = logging.getLogger()
    saved, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    try:
        configure_logging("svc", level="WARNING", json=True, stream=stream)
        logging.getLogger("aiokafka.consumer.group_coordinator").error(
            "Group Coordinator Request failed: %s", GroupCoordinatorNotAvailableError()
        )
        logging.getLogger("aiokafka").error("Unexpected error in coordinator routine")
    finally:
        root.handlers[:] = saved
        root.setLevel(saved_level)
        structlog.reset_defaults()
    assert [line["event"] for line in lines(stream)] == ["Unexpected error in coordinator routine"]
