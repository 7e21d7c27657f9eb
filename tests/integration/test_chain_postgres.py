"""A service's outbox log in PostgreSQL is a verifiable chain; tampering is found and located."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, select, update

from shared.outbox import verify_log
from tests.integration.conftest import ProbeDb
from tests.support import probe

pytestmark = pytest.mark.integration

TABLE = probe.outbox_table


async def report(db: ProbeDb):  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        return await verify_log(session, TABLE)


async def write(db: ProbeDb, count: int) -> None:
    # several transactions, so the chain spans commits
    for _ in range(count // 10):
        await probe.write_events(db.sessions, probe.outbox_log("probe.chain.events"), 10, 3)


async def envelope_of(db: ProbeDb, seq: int) -> str:
    async with db.sessions() as session:
        query = select(TABLE.c.envelope).where(TABLE.c.seq == seq)
        return str((await session.execute(query)).scalar_one())


async def test_the_log_verifies_across_transactions(probe_db: ProbeDb) -> None:
    await write(probe_db, 50)
    result = await report(probe_db)
    assert result.ok
    assert result.checked == 50
    assert result.head_seq == 50


async def test_an_edited_row_is_detected_and_located(probe_db: ProbeDb) -> None:
    await write(probe_db, 30)
    tampered = (await envelope_of(probe_db, 17)).replace('"n":', '"n":1', 1)
    async with probe_db.sessions() as session, session.begin():
        await session.execute(update(TABLE).where(TABLE.c.seq == 17).values(envelope=tampered))
    result = await report(probe_db)
    assert not result.ok
    assert result.broken_at == 17
    assert result.checked == 16


async def test_a_deleted_row_is_detected_and_located(probe_db: ProbeDb) -> None:
    await write(probe_db, 30)
    async with probe_db.sessions() as session, session.begin():
        await session.execute(delete(TABLE).where(TABLE.c.seq == 9))
    result = await report(probe_db)
    assert not result.ok
    assert result.broken_at == 10
    assert "missing" in (result.reason or "")


async def test_reordered_rows_are_detected_and_located(probe_db: ProbeDb) -> None:
    await write(probe_db, 30)
    a, b = await envelope_of(probe_db, 21), await envelope_of(probe_db, 22)
    async with probe_db.sessions() as session, session.begin():
        hashes = dict(
            (
                await session.execute(
                    select(TABLE.c.seq, TABLE.c.hash).where(TABLE.c.seq.in_([21, 22]))
                )
            ).all()
        )
        await session.execute(
            update(TABLE).where(TABLE.c.seq == 21).values(envelope=b, hash=hashes[22])
        )
        await session.execute(
            update(TABLE).where(TABLE.c.seq == 22).values(envelope=a, hash=hashes[21])
        )
    result = await report(probe_db)
    assert not result.ok
    assert result.broken_at == 21
    assert "reordered" in (result.reason or "")


async def test_concurrent_writers_still_form_one_chain(probe_db: ProbeDb) -> None:
    log = probe.outbox_log("probe.chain.events")
    await asyncio.gather(
        *(probe.write_events(probe_db.sessions, log, 20, 2, per_tx=5) for _ in range(6))
    )
    result = await report(probe_db)
    assert result.ok
    assert result.checked == 120


async def test_a_row_rerouted_behind_its_envelope_is_detected(probe_db: ProbeDb) -> None:
    await write(probe_db, 20)
    async with probe_db.sessions() as session, session.begin():
        await session.execute(update(TABLE).where(TABLE.c.seq == 12).values(key="someone-else"))
    result = await report(probe_db)
    assert not result.ok
    assert result.broken_at == 12
    assert "misrouted" in (result.reason or "")


async def test_a_row_sent_to_another_topic_is_detected(probe_db: ProbeDb) -> None:
    await write(probe_db, 20)
    async with probe_db.sessions() as session, session.begin():
        await session.execute(update(TABLE).where(TABLE.c.seq == 7).values(topic="elsewhere"))
    async with probe_db.sessions() as session:
        result = await verify_log(session, TABLE, "probe.chain.events")
    assert not result.ok
    assert result.broken_at == 7
    assert "topic" in (result.reason or "")
