"""Poison events are parked and copied to the DLQ; their aggregate waits, the others flow."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shared.consumer import ConsumerRunner
from shared.kafka import ensure_topics
from tests.integration.conftest import ProbeDb
from tests.integration.kafka_tools import produce_raw, read_topic
from tests.support import probe
from tests.support.wait import eventually, running

pytestmark = pytest.mark.integration


def envelope(aggregate: str, n: int, *, event_type: str = "probe.thing_happened.v1") -> dict:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "probe",
        "type": event_type,
        "subject": aggregate,
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": {"aggregate_id": aggregate, "n": n},
    }


def encode(obj: dict) -> bytes:
    return json.dumps(obj).encode()


async def test_poison_events_are_parked_with_their_error_and_copied_to_the_dlq(
    probe_db: ProbeDb, kafka_bootstrap: str, topic: str
) -> None:
    group = f"probe.poison-{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka_bootstrap, [f"{group}.dlq"], partitions=1)
    missing_id = envelope("bad-4", 0)
    del missing_id["id"]
    held_back = envelope("bad-1", 1)
    long_type = envelope("bad-5", 0, event_type="probe." + "x" * 300 + ".v1")
    nul_data = envelope("bad-6", 0)
    nul_data["data"] = {"aggregate_id": "bad-6", "n\u0000": 1}
    # a producer one version ahead added a field: a consumer not yet upgraded still applies it
    newer = envelope("good-0", 3)
    newer["data"]["colour"] = "blue"
    healthy = [envelope(f"good-{i % 3}", i // 3) for i in range(9)] + [newer]
    await produce_raw(
        kafka_bootstrap,
        topic,
        [
            ("bad-1", b'{"specversion": "1.0", "id": '),
            ("bad-2", encode(envelope("bad-2", 0, event_type="probe.thing_vanished.v1"))),
            ("bad-3", encode(envelope("bad-3", 0, event_type="probe.thing_happened.v7"))),
            ("bad-4", encode(missing_id)),
            ("bad-1", encode(held_back)),
            ("bad-5", encode(long_type)),
            ("bad-6", encode(nul_data)),
            ("bad-\x00-7", b"not json"),
            *[(e["subject"], encode(e)) for e in healthy],
        ],
    )

    runner = probe.consumer_runner(probe_db.sessions, kafka_bootstrap, group, topic)
    async with running(runner.run):
        await eventually(
            lambda: probe.effect_count(probe_db.sessions),
            lambda n: n == 10,
            timeout=60,
            what="healthy aggregates applied",
        )
        dlq = await eventually(
            lambda: read_topic(kafka_bootstrap, f"{group}.dlq"),
            lambda records: len(records) == 8,
            timeout=30,
            what="8 DLQ copies",
        )

    async with probe_db.sessions() as session:
        parked = (await session.execute(select(probe.parked_table))).all()
    errors = {row.aggregate: (row.reason, row.error) for row in parked}
    assert errors["bad-2"] == ("unknown_type", "probe.thing_vanished.v1 is not a known event type")
    assert errors["bad-3"][0] == "future_version"
    assert errors["bad-3"][1].startswith("probe.thing_happened.v7 is newer than v1")
    assert errors["bad-4"] == ("missing_id", "missing id")
    assert errors["bad-5"][0] == "invalid_envelope"
    assert errors["bad-6"][0] == "invalid_data"
    assert errors["bad-\ufffd-7"] == ("malformed_json", "malformed JSON")
    assert sorted((r.reason, r.error) for r in parked if r.aggregate == "bad-1") == [
        ("held_back", "held back: an earlier event of this aggregate is parked"),
        ("malformed_json", "malformed JSON"),
    ]
    held = next(r for r in parked if r.event_id == held_back["id"])
    assert held.value == encode(held_back)

    by_offset = {
        (r.headers["dlq_origin_partition"], r.headers["dlq_origin_offset"]): r for r in dlq
    }
    for row in parked:
        copy = by_offset[(str(row.partition).encode(), str(row.offset).encode())]
        assert copy.headers["dlq_origin_topic"] == topic.encode()
        assert copy.headers["dlq_error"] == row.reason.encode()
        assert copy.headers["dlq_attempts"] == b"1"
        assert copy.key == row.aggregate
        assert copy.value == row.value


async def test_a_handler_that_keeps_failing_is_parked_after_its_retries(
    probe_db: ProbeDb, kafka_bootstrap: str, topic: str
) -> None:
    group = f"probe.failing-{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka_bootstrap, [f"{group}.dlq"], partitions=1)
    calls: list[tuple[str, int]] = []

    async def flaky(ctx, event):  # type: ignore[no-untyped-def]
        calls.append((event.aggregate_id, event.n))
        if event.aggregate_id == "cursed":
            raise ValueError("the handler cannot cope")
        await probe.apply_effect(ctx, event)

    config = probe.consumer_config(group, topic)
    config = type(config)(**{**config.__dict__, "handlers": {probe.ThingHappened.TYPE: flaky}})
    events = [
        envelope("cursed", 0),
        envelope("fine", 0),
        envelope("cursed", 1),
        envelope("fine", 1),
    ]
    await produce_raw(kafka_bootstrap, topic, [(e["subject"], encode(e)) for e in events])

    runner = ConsumerRunner(
        config, probe.REGISTRY, probe_db.sessions, kafka_bootstrap, session_timeout_ms=6000
    )
    async with running(runner.run):
        await eventually(
            lambda: probe.effect_count(probe_db.sessions),
            lambda n: n == 2,
            timeout=60,
            what="the healthy aggregate applied",
        )
        await eventually(
            lambda: read_topic(kafka_bootstrap, f"{group}.dlq"),
            lambda records: len(records) == 2,
            timeout=30,
            what="2 DLQ copies",
        )

    # max_attempts one by one, plus once more if it first came in a batch that rolled back
    assert calls.count(("cursed", 0)) in (config.max_attempts, config.max_attempts + 1)
    assert ("cursed", 1) not in calls, "an event behind a parked one is never tried"
    async with probe_db.sessions() as session:
        parked = (await session.execute(select(probe.parked_table))).all()
    assert sorted((r.attempts, r.reason, r.error) for r in parked) == [
        (1, "held_back", "held back: an earlier event of this aggregate is parked"),
        (
            config.max_attempts,
            "handler_failed",
            "handler kept failing: ValueError: the handler cannot cope",
        ),
    ]


async def test_a_handler_cannot_commit_behind_the_runners_back(
    probe_db: ProbeDb, kafka_bootstrap: str, topic: str
) -> None:
    group = f"probe.committing-{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka_bootstrap, [f"{group}.dlq"], partitions=1)

    async def committing(ctx, event):  # type: ignore[no-untyped-def]
        await probe.apply_effect(ctx, event)
        await ctx.session.commit()

    config = probe.consumer_config(group, topic)
    config = type(config)(**{**config.__dict__, "handlers": {probe.ThingHappened.TYPE: committing}})
    await produce_raw(kafka_bootstrap, topic, [("rogue", encode(envelope("rogue", 0)))])
    runner = ConsumerRunner(config, probe.REGISTRY, probe_db.sessions, kafka_bootstrap)
    async with running(runner.run):
        await eventually(
            lambda: read_topic(kafka_bootstrap, f"{group}.dlq"),
            lambda records: len(records) == 1,
            timeout=60,
            what="the event parked",
        )
    async with probe_db.sessions() as session:
        parked = (await session.execute(select(probe.parked_table))).one()
        inbox = (await session.execute(select(probe.inbox_table))).all()
    assert parked.error == "handler kept failing: HandlerCommitted: handlers never commit: " + (
        "the consumer runner does, after its claim"
    )
    assert await probe.effect_count(probe_db.sessions) == 0, "its effect was rolled back"
    assert inbox == [], "and so was its claim"
