"""Reads of personal data are access events in the reading service's own chain: a person's
file, an export, a key release in intake's, a case and its notes in casework's; batched,
written beside the read and never in its way (PostgreSQL and SQLite)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.casework.app import create_app as create_casework_app
from services.casework.bootstrap import bootstrap as bootstrap_casework
from services.casework.container import Casework
from services.casework.settings import CaseworkSettings
from services.intake.app import create_app as create_intake_app
from services.intake.container import Intake
from shared.access import AccessRecorder
from shared.consumer import Outcome
from shared.db import create_engine, session_factory
from shared.events.access import IntakePersonalDataRead
from shared.kafka import IncomingRecord
from shared.migrations import upgrade
from shared.outbox import verify_log
from shared.runtime import Runtime
from shared.service import ServiceContainer
from shared.uow import UnitsOfWork
from tests.integration.conftest import token
from tests.integration.in_process import AUTH, Feed, client, databases, feed, migrated_intake

pytestmark = pytest.mark.integration

CITY = "city-montreuil"
DESK = token(CITY, "intake", "caseworker", user="desk")
LEA = token(CITY, "caseworker", user="lea")
ELSEWHERE = token("assoc-other", "caseworker", user="omar")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass
class World:
    """Intake and casework in process; intake's events reach casework's consumer."""

    intake: Intake
    intake_app: FastAPI
    desk: httpx.AsyncClient
    casework: Casework
    http: httpx.AsyncClient
    to_casework: Feed


@pytest.fixture(params=["postgresql", "sqlite"])
async def world(
    request: pytest.FixtureRequest, pg_server_url: str, tmp_path: Path
) -> AsyncIterator[World]:
    """Intake and casework on fresh, migrated databases of the backend, their clocks at NOW."""
    with databases(request.param, pg_server_url, tmp_path, "intake", "casework") as urls:
        intake = await migrated_intake(urls[0])
        intake.clock = lambda: NOW
        intake_app = create_intake_app(intake)
        casework = bootstrap_casework(
            CaseworkSettings(development=True, database_url=urls[1], auth=AUTH),
            key_store_http=client(intake_app, "intake"),
        )
        casework.clock = lambda: NOW
        await upgrade(casework.runtime.engine, casework.runtime.migrations)
        async with (
            client(intake_app, "intake") as desk,
            client(create_casework_app(casework), "casework") as http,
        ):
            to_casework = feed(intake.runtime, "intake.events", casework.runtime)
            yield World(intake, intake_app, desk, casework, http, to_casework)
        await casework.close()
        await intake.runtime.close()


async def a_case_with_a_note(world: World) -> tuple[str, str]:
    """A person at the city's desk, their case at the city and a confidential note on it."""
    person = await world.desk.post("/persons", json={"chosen_name": "Farid"}, headers=DESK)
    assert person.status_code == 201, person.text
    person_id = str(person.json()["id"])
    await world.to_casework.pass_on()
    case = await world.http.post(
        "/cases", json={"person_id": person_id, "case_type": "asylum"}, headers=LEA
    )
    assert case.status_code == 201, case.text
    case_id = str(case.json()["id"])
    note = await world.http.post(
        f"/cases/{case_id}/notes", json={"text": "Farid fears returning home"}, headers=LEA
    )
    assert note.status_code == 201, note.text
    return person_id, case_id


async def ok(response: Any) -> httpx.Response:
    answered: httpx.Response = await response
    assert answered.status_code == 200, answered.text
    return answered


def recorder(service: ServiceContainer) -> AccessRecorder:
    assert service.access is not None
    return service.access


async def access_events(runtime: Runtime) -> list[dict[str, Any]]:
    """The service's access events, as written in its outbox."""
    table = runtime.outbox.table
    async with runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.envelope)
            .where(table.c.type == f"{runtime.name}.personal_data_read.v1")
            .order_by(table.c.seq)
        )
        return [json.loads(raw) for raw in rows.scalars()]


def who_read_what(event: dict[str, Any]) -> list[tuple[str, str | None, str, str, str | None]]:
    return [
        (r["actor"], r["actororg"], r["resource"], r["resource_id"], r["person_id"])
        for r in event["data"]["reads"]
    ]


async def test_reads_of_a_file_an_export_and_notes_are_recorded_in_each_services_chain(
    world: World,
) -> None:
    person_id, case_id = await a_case_with_a_note(world)
    await recorder(world.intake).flush()  # the key releases of the note's sealing, if any

    await ok(world.desk.get(f"/persons/{person_id}", headers=DESK))
    await ok(world.desk.get(f"/persons/{person_id}/export", headers=DESK))
    await ok(world.http.get(f"/cases/{case_id}", headers=LEA))
    await ok(world.http.get(f"/cases/{case_id}/notes", headers=LEA))
    refused = await world.http.get(f"/cases/{case_id}/notes", headers=ELSEWHERE)
    assert refused.status_code in (403, 404)  # a refused read reads nothing: nothing recorded
    assert await access_events(world.casework.runtime) == []  # queued, not written by the read

    assert await recorder(world.intake).flush() >= 2
    assert await recorder(world.casework).flush() == 2

    [case_reads] = await access_events(world.casework.runtime)  # several reads, one event
    assert (case_reads["subject"], case_reads["actor"]) == ("casework", "service:casework")
    assert who_read_what(case_reads) == [
        ("lea", CITY, "case", case_id, person_id),
        ("lea", CITY, "case_notes", case_id, person_id),
    ]
    assert {r["route"] for r in case_reads["data"]["reads"]} == {
        "/cases/{case_id}",
        "/cases/{case_id}/notes",
    }
    assert {r["at"] for r in case_reads["data"]["reads"]} == {"2026-03-02T09:30:00Z"}
    *_, file_reads = await access_events(world.intake.runtime)
    assert (file_reads["subject"], file_reads["actor"]) == ("intake", "service:intake")
    desk_reads = [r for r in who_read_what(file_reads) if r[0] == "desk"]
    assert desk_reads == [
        ("desk", CITY, "person", person_id, person_id),
        ("desk", CITY, "export", person_id, person_id),
    ]
    for service in (world.intake, world.casework):
        async with service.runtime.sessions() as session:
            assert (await verify_log(session, service.runtime.outbox.table)).ok


async def test_each_key_release_is_an_access_event_of_the_calling_service(world: World) -> None:
    person_id, _case_id = await a_case_with_a_note(world)  # the note is sealed with the key

    await recorder(world.intake).flush()

    releases = [
        r
        for event in await access_events(world.intake.runtime)
        for r in event["data"]["reads"]
        if r["resource"] == "key_release"
    ]
    assert releases, "casework fetched the person's key to seal the note"
    assert {(r["actor"], r["resource_id"], r["person_id"]) for r in releases} == {
        ("service:casework", person_id, person_id)
    }
    assert {r["route"] for r in releases} == {"/internal/keys/{person_id}"}


async def test_other_services_consumers_ignore_access_events(world: World) -> None:
    person_id, _case_id = await a_case_with_a_note(world)
    await ok(world.desk.get(f"/persons/{person_id}", headers=DESK))
    await recorder(world.intake).flush()
    [event, *_] = await access_events(world.intake.runtime)

    record = IncomingRecord("intake.events", 0, event["seq"], "intake", json.dumps(event).encode())
    assert await world.to_casework.runner.handle(record) is Outcome.IGNORED  # not parked


async def test_the_app_writes_reads_while_it_serves_and_the_rest_when_it_stops(
    world: World,
) -> None:
    person_id, case_id = await a_case_with_a_note(world)
    app = create_casework_app(world.casework)
    async with app.router.lifespan_context(app), client(app, "casework") as http:
        await ok(http.get(f"/cases/{case_id}", headers=LEA))
        await ok(http.get(f"/cases/{case_id}/tasks", headers=LEA))
    # stopping wrote what was left (or the writer had done it already, a second in)
    reads = [r for e in await access_events(world.casework.runtime) for r in who_read_what(e)]
    assert reads == [
        ("lea", CITY, "case", case_id, person_id),
        ("lea", CITY, "case_tasks", case_id, person_id),
    ]
    assert recorder(world.casework).pending == 0


async def test_a_read_answers_when_its_access_event_cannot_be_written(
    world: World, tmp_path: Path
) -> None:
    person_id, _case_id = await a_case_with_a_note(world)
    nowhere = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'intake.db'}")
    runtime = world.intake.runtime
    failing = AccessRecorder(
        IntakePersonalDataRead,
        UnitsOfWork(session_factory(nowhere), runtime.outbox, runtime.clock),
        runtime.clock,
        flush_seconds=0.05,
    )
    world.intake.__dict__["access"] = failing  # the service's recorder, writing nowhere
    before = await access_events(runtime)
    try:
        async with failing.running():  # writes fail all along, and are retried
            for _ in range(3):
                await ok(world.desk.get(f"/persons/{person_id}", headers=DESK))
            assert await failing.flush() == 0
            assert failing.pending == 3
    finally:
        await nowhere.dispose()
    assert failing.pending == 3  # kept to the end, and reported lost (in the log) on stopping
    assert await access_events(runtime) == before
