"""The recorder of reads of personal data: batched into one event, bounded, never blocking,
kept when a write fails, flushed on the way out (on a real SQLite outbox)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, select

from shared.access import AccessRecorder, RequestReads
from shared.auth import Principal
from shared.clock import Clock
from shared.db import SessionFactory, create_engine, session_factory
from shared.events.access import IntakePersonalDataRead
from shared.outbox import OutboxLog, define_outbox_table, verify_log
from shared.uow import UnitsOfWork
from tests.support.wait import eventually

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DESK = Principal("desk-1", "org-a", frozenset({"caseworker"}))


@dataclass
class Outbox:
    table: Table
    metadata: MetaData
    sessions: SessionFactory
    units: UnitsOfWork

    async def create(self) -> None:
        bind = self.sessions.kw["bind"]
        async with bind.begin() as connection:
            await connection.run_sync(self.metadata.create_all)

    async def events(self) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            rows = await session.execute(select(self.table.c.envelope).order_by(self.table.c.seq))
            return [json.loads(envelope) for (envelope,) in rows]


@pytest.fixture
async def outbox(tmp_path: Path) -> AsyncIterator[Outbox]:
    """Intake's outbox table on a fresh SQLite file, not created yet."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}")
    metadata = MetaData()
    table = define_outbox_table(metadata)
    sessions = session_factory(engine)
    log = OutboxLog(table, source="intake", topic="intake.events")
    clock = Clock()
    clock.set(NOW)
    yield Outbox(table, metadata, sessions, UnitsOfWork(sessions, log, clock))
    await engine.dispose()


def recorder(outbox: Outbox, **limits: Any) -> AccessRecorder:
    return AccessRecorder(IntakePersonalDataRead, outbox.units, outbox.units.clock, **limits)


def read(recorder: AccessRecorder, n: int) -> None:
    RequestReads(recorder, "/persons/{person_id}").record(DESK, "person", f"p{n}", f"p{n}")


async def test_queued_reads_are_written_as_one_event_of_the_service(outbox: Outbox) -> None:
    await outbox.create()
    reads = recorder(outbox)
    for n in range(3):
        read(reads, n)
    assert await outbox.events() == []  # recording wrote nothing: the read was not held up

    assert await reads.flush() == 3

    [event] = await outbox.events()
    assert event["type"] == "intake.personal_data_read.v1"
    assert (event["subject"], event["actor"]) == ("intake", "service:intake")
    assert event.get("actororg") is None
    assert event["data"]["reads"] == [
        {
            "actor": "desk-1",
            "actororg": "org-a",
            "resource": "person",
            "resource_id": f"p{n}",
            "person_id": f"p{n}",
            "at": "2026-03-02T09:30:00Z",
            "route": "/persons/{person_id}",
        }
        for n in range(3)
    ]
    assert reads.pending == 0
    async with outbox.sessions() as session:
        assert (await verify_log(session, outbox.table)).ok


async def test_many_reads_are_split_into_events_of_one_batch_each(outbox: Outbox) -> None:
    await outbox.create()
    reads = recorder(outbox, batch_reads=3)
    for n in range(7):
        read(reads, n)

    assert await reads.flush() == 7

    events = await outbox.events()
    assert [len(e["data"]["reads"]) for e in events] == [3, 3, 1]
    ids = [r["resource_id"] for e in events for r in e["data"]["reads"]]
    assert ids == [f"p{n}" for n in range(7)]  # in the order they were read


async def test_a_full_queue_drops_reads_instead_of_waiting(outbox: Outbox) -> None:
    await outbox.create()
    reads = recorder(outbox, queue_reads=5)
    for n in range(8):
        read(reads, n)  # returns at once, even with nowhere to put the read

    assert (reads.pending, reads.dropped) == (5, 3)
    await reads.flush()
    [event] = await outbox.events()
    assert [r["resource_id"] for r in event["data"]["reads"]] == [f"p{n}" for n in range(5)]
    read(reads, 9)  # room again once written
    assert (reads.pending, reads.dropped) == (1, 3)


async def test_reads_stay_queued_when_the_write_fails_and_are_written_next_time(
    outbox: Outbox,
) -> None:
    reads = recorder(outbox)
    read(reads, 1)
    read(reads, 2)

    assert await reads.flush() == 0  # no outbox table yet: the write fails
    assert reads.pending == 2

    await outbox.create()
    read(reads, 3)
    assert await reads.flush() == 3
    [event] = await outbox.events()
    assert [r["resource_id"] for r in event["data"]["reads"]] == ["p1", "p2", "p3"]


async def test_a_full_batch_is_written_without_waiting_for_the_next_flush(outbox: Outbox) -> None:
    await outbox.create()
    reads = recorder(outbox, flush_seconds=3600, batch_reads=2)
    async with reads.running():
        read(reads, 1)
        read(reads, 2)
        events = await eventually(outbox.events, bool, timeout=10, what="a batch written")
    assert [len(e["data"]["reads"]) for e in events] == [2]


async def test_what_is_left_is_written_when_the_service_stops(outbox: Outbox) -> None:
    await outbox.create()
    reads = recorder(outbox, flush_seconds=3600)
    async with reads.running():
        read(reads, 1)
    [event] = await outbox.events()
    assert [r["resource_id"] for r in event["data"]["reads"]] == ["p1"]
    assert reads.pending == 0
