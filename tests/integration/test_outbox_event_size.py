"""An event too large for the broker is refused at append, never left in the outbox to block
the relay (PostgreSQL and SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from shared.db import SessionFactory, create_engine, session_factory
from shared.events.base import Event
from shared.outbox import DEFAULT_MAX_EVENT_BYTES, EventTooLarge, Metadata, verify_log
from shared.uow import UnitOfWork
from tests.support import probe

pytestmark = pytest.mark.integration


class NoteWritten(Event):
    """A test event whose size the test chooses."""

    TYPE = "probe.note_written.v1"
    AGGREGATE = "aggregate_id"

    aggregate_id: str
    note: str


@pytest.fixture(params=["sqlite", "postgresql"])
async def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionFactory]:
    """The probe's tables on a fresh database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    await probe.create_schema(engine)
    yield session_factory(engine)
    await engine.dispose()


async def rows(sessions: SessionFactory) -> list[int]:
    """Rows in the outbox and in the effects table."""
    async with sessions() as session:
        return [
            int((await session.execute(select(func.count()).select_from(table))).scalar_one())
            for table in (probe.outbox_table, probe.effects)
        ]


async def write(sessions: SessionFactory, note: str) -> None:
    """One transaction: a state change and the event that tells of it."""
    log = probe.outbox_log("probe.events")
    async with UnitOfWork(sessions, log, Metadata()) as uow:
        await uow.session.execute(insert(probe.effects).values(event_id="e", aggregate="a", n=1))
        uow.record(NoteWritten(aggregate_id="a", note=note))
        await uow.commit()


async def test_an_oversized_event_is_refused_and_its_transaction_undone(
    sessions: SessionFactory,
) -> None:
    with pytest.raises(EventTooLarge) as refused:
        await write(sessions, "x" * DEFAULT_MAX_EVENT_BYTES)
    assert refused.value.status == 413
    assert NoteWritten.TYPE in str(refused.value.detail)
    assert await rows(sessions) == [0, 0], "neither the event nor the change was written"

    await write(sessions, "a note of ordinary size")
    assert await rows(sessions) == [1, 1]
    async with sessions() as session:
        report = await verify_log(session, probe.outbox_table)
    assert report.ok
    assert report.checked == 1


async def test_the_limit_is_a_setting_of_the_outbox(sessions: SessionFactory) -> None:
    log = probe.outbox_log("probe.events")
    log.max_event_bytes = 2_000
    envelope = log.envelope(
        NoteWritten(aggregate_id="a", note="y" * 2_000), Metadata(), now=datetime.now(UTC)
    )
    async with sessions() as session, session.begin():
        with pytest.raises(EventTooLarge):
            await log.append(session, [envelope])
    assert await rows(sessions) == [0, 0]
