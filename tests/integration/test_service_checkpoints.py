"""Signed checkpoints in a service's own chain (intake in process, on PostgreSQL and SQLite):
written every N events by the worker's job and once more when it stops, checked by
`verify-log`, which finds an edit re-chained after it at the next checkpoint and a checkpoint
signed with another key; the services that read the topic pass over them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from services.housing.bootstrap import bootstrap as bootstrap_housing
from services.housing.settings import HousingSettings
from services.intake.app import create_app as create_intake_app
from services.intake.bootstrap import Intake
from services.intake.bootstrap import bootstrap as bootstrap_intake
from services.intake.settings import IntakeSettings
from shared.checkpoints import SigningKey, checkpoint_type, new_private_base64, verify
from shared.consumer import Outcome
from shared.events.envelope import canonical_json, chain_hash
from shared.kafka import IncomingRecord
from shared.migrations import upgrade
from shared.runtime import Runtime, serve
from shared.settings import CheckpointSettings
from tests.integration.conftest import token
from tests.integration.in_process import AUTH, client, databases, fed
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

PRIVATE = new_private_base64()
KEY = SigningKey.from_base64("intake-1", PRIVATE)
PUBLIC = {"intake-1": KEY.public_base64}
CHECKPOINT = checkpoint_type("intake")


@dataclass
class World:
    intake: Intake
    desk: httpx.AsyncClient
    urls: list[str]
    tmp: Path

    @property
    def runtime(self) -> Runtime:
        return self.intake.runtime


@pytest.fixture(params=["postgresql", "sqlite"])
async def world(
    request: pytest.FixtureRequest, pg_server_url: str, tmp_path: Path
) -> AsyncIterator[World]:
    """Intake on a fresh database, signing its head every 3 events with its own key."""
    with databases(request.param, pg_server_url, tmp_path, "intake", "housing") as urls:
        checkpoint = CheckpointSettings(
            signing_key=SecretStr(PRIVATE),
            key_id="intake-1",
            every_events=3,
            every_seconds=3600,
            poll_seconds=0.05,
        )
        settings = IntakeSettings(
            development=True,  # the development token secret
            database_url=urls[0],
            master_key=new_private_base64(),
            auth=AUTH,
            checkpoint=checkpoint,
        )
        intake = bootstrap_intake(settings)
        await upgrade(intake.runtime.engine, intake.runtime.migrations)
        async with client(create_intake_app(intake), "intake") as desk:
            yield World(intake, desk, urls, tmp_path)
        await intake.runtime.close()


async def register(world: World, count: int) -> None:
    """`count` persons registered at the desk: one event each."""
    for n in range(count):
        response = await world.desk.post(
            "/persons", json={"chosen_name": f"Person {n}"}, headers=token("city", "intake")
        )
        assert response.status_code == 201, response.text


async def log(world: World) -> list[dict[str, Any]]:
    """Intake's outbox log, each row's envelope as stored."""
    table = world.runtime.outbox.table
    async with world.runtime.sessions() as session:
        rows = await session.execute(select(table.c.envelope).order_by(table.c.seq))
        return [json.loads(envelope) for (envelope,) in rows]


async def verify_log(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    """`python -m services.intake verify-log`, as run: its exit code and the JSON it prints."""
    with pytest.raises(SystemExit) as exited:
        await serve(runtime, "verify-log", create_intake_app)  # type: ignore[arg-type]
    return int(exited.value.code or 0), json.loads(capsys.readouterr().out.strip())


async def test_every_n_events_the_head_is_signed_and_verify_log_checks_it(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpointer = world.runtime.checkpointer
    await register(world, 2)
    assert await checkpointer.pending() == 2
    assert await checkpointer.tick(due=False) is None, "fewer than 3 events: not yet"
    await register(world, 1)
    assert await checkpointer.tick(due=False) == 4
    assert await checkpointer.tick(due=True) is None, "never a checkpoint of a checkpoint"

    events = await log(world)
    checkpoint = events[-1]
    assert (checkpoint["type"], checkpoint["subject"], checkpoint["seq"]) == (
        CHECKPOINT,
        "intake",
        4,
    )
    assert checkpoint["data"]["head_seq"] == 3
    assert checkpoint["data"]["head_hash"] == events[2]["hash"] == checkpoint["prevhash"]
    assert verify(PUBLIC, "intake", checkpoint["data"]) is None

    code, report = await verify_log(world.runtime, capsys)
    assert (code, report["ok"], report["checked"]) == (0, True, 4)
    assert (report["checkpoints"], report["last_checkpoint_seq"]) == (1, 4)
    assert report["last_checkpoint_at"] == checkpoint["data"]["signed_at"]


async def test_the_worker_signs_on_its_own_and_once_more_when_it_stops(world: World) -> None:
    stop = asyncio.Event()
    job = asyncio.create_task(world.runtime.checkpointer.run(stop))
    try:
        await register(world, 3)
        types = await eventually(
            lambda: log(world), lambda rows: len(rows) == 4, what="a checkpoint after 3 events"
        )
        assert types[-1]["type"] == CHECKPOINT
        await register(world, 1)
    finally:
        stop.set()
        await job
    events = await log(world)
    assert [e["type"] == CHECKPOINT for e in events] == [False] * 3 + [True, False, True]
    assert events[-1]["data"]["head_seq"] == 5


async def rechain(world: World, edit_seq: int) -> None:
    """Edit the event at `edit_seq` and recompute the hash of it and every later row, as a
    forger with write access to the database would."""
    table = world.runtime.outbox.table
    events = await log(world)
    prevhash = events[edit_seq - 2]["hash"]
    async with world.runtime.sessions() as session, session.begin():
        for wire in events[edit_seq - 1 :]:
            if wire["seq"] == edit_seq:
                wire["actor"] = "someone-else"
            wire["prevhash"] = prevhash
            wire["hash"] = prevhash = chain_hash(prevhash, wire)
            await session.execute(
                update(table)
                .where(table.c.seq == wire["seq"])
                .values(envelope=canonical_json(wire).decode(), hash=wire["hash"])
            )


async def test_an_edit_rechained_after_it_is_found_at_the_next_checkpoint(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpointer = world.runtime.checkpointer
    for _ in range(2):
        await register(world, 3)
        assert await checkpointer.tick(due=False) is not None
    await register(world, 2)
    await rechain(world, 6)  # between the checkpoints at 4 and 8

    code, report = await verify_log(world.runtime, capsys)
    assert (code, report["ok"], report["broken_at"]) == (1, False, 8)
    assert report["reason"] == (
        "checkpoint signs another hash for seq 7: the events up to it were rewritten"
    )
    assert (report["checkpoints"], report["last_checkpoint_seq"]) == (1, 4)


async def test_a_checkpoint_signed_with_another_key_is_a_break(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    await register(world, 3)
    forged = SigningKey.from_base64("intake-1", new_private_base64())
    async with world.runtime.sessions() as session, session.begin():
        assert await world.runtime.outbox.checkpoint(session, forged, datetime.now(UTC)) == 4

    code, report = await verify_log(world.runtime, capsys)
    assert (code, report["ok"], report["broken_at"], report["checkpoints"]) == (1, False, 4, 0)
    assert report["reason"] == "checkpoint signature does not verify with intake's key 'intake-1'"


async def test_a_service_reading_the_topic_passes_over_checkpoints(world: World) -> None:
    await register(world, 3)
    assert await world.runtime.checkpointer.tick(due=True) == 4
    settings = HousingSettings(
        development=True,
        database_url=world.urls[1],
        auth=AUTH,
        checkpoint=CheckpointSettings(dev_key_dir=world.tmp / "keys"),
    )
    housing = bootstrap_housing(
        settings, key_store_http=client(create_intake_app(world.intake), "intake")
    )
    await upgrade(housing.runtime.engine, housing.runtime.migrations)
    try:
        runner = fed(housing.runtime, "intake.events")
        outcomes = [
            await runner.handle(
                IncomingRecord("intake.events", 0, e["seq"], e["subject"], canonical_json(e))
            )
            for e in await log(world)
        ]
    finally:
        await housing.close()
    assert outcomes[-1] is Outcome.IGNORED
    assert Outcome.PARKED not in outcomes
