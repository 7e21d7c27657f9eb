"""Numbers, instants and texts out of range are 422s naming the field, never 500s; a past
appointment is refused unless recorded as history (attended or missed), which plans no
reminder; audit's dates, page sizes and cursors alike. Through the in-process APIs, on
PostgreSQL and on the embedded SQLite alike."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.audit.app import create_app as create_audit_app
from services.audit.bootstrap import bootstrap as bootstrap_audit
from services.audit.settings import AuditSettings
from services.casework.app import create_app as create_casework_app
from services.casework.bootstrap import bootstrap as bootstrap_casework
from services.casework.settings import CaseworkSettings
from services.intake.app import create_app as create_intake_app
from services.intake.bootstrap import Intake
from services.intake.bootstrap import bootstrap as bootstrap_intake
from services.intake.settings import IntakeSettings
from services.notifications.app import create_app as create_notifications_app
from services.notifications.bootstrap import Notifications
from services.notifications.bootstrap import bootstrap as bootstrap_notifications
from services.notifications.settings import NotificationsSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.consumer import ConsumerRunner
from shared.events.catalog import default_registry
from shared.migrations import upgrade
from shared.runtime import Runtime
from tests.integration.conftest import CaseworkWorld, hand_over, token
from tests.integration.test_casework_appointments import appointment_events
from tests.integration.test_casework_cases import CASEWORKER, DESK, open_case, person
from tests.support.infra import fresh_database

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
AHEAD = "2026-03-20T10:00:00+01:00"
PAST = "2026-02-20T10:00:00+01:00"
OVERFLOWING = "9999-12-31T23:59:59-23:59"
STAFF = token("city-montreuil", "caseworker")
AUDITOR = token("city-inspection", "auditor", user="ines")


@dataclass
class World:
    """Intake, casework and notifications in process on one kind of database, their clocks
    at NOW; events reach the consumers as Kafka would hand them over."""

    intake: httpx.AsyncClient
    casework: CaseworkWorld
    notifications: Notifications
    messages: httpx.AsyncClient
    runners: dict[str, ConsumerRunner]
    delivered: dict[str, int] = field(default_factory=dict)

    async def sync(self) -> None:
        """Hand every new intake and casework event to casework's and notifications' consumers."""
        await self.casework.sync()
        producers: dict[str, Runtime] = {
            "intake.events": self.casework.intake.runtime,
            "casework.events": self.casework.casework.runtime,
        }
        for topic, producer in producers.items():
            self.delivered[topic] = await hand_over(
                producer, topic, self.runners[topic], since=self.delivered.get(topic, 0)
            )


@contextlib.contextmanager
def databases(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """Three fresh databases: PostgreSQL ones, or SQLite files (the embedded default)."""
    if backend == "sqlite":
        yield [f"sqlite+aiosqlite:///{tmp_path / name}.db" for name in ("i", "c", "n")]
        return
    server = request.getfixturevalue("pg_server_url")
    with fresh_database(server) as i, fresh_database(server) as c, fresh_database(server) as n:
        yield [i, c, n]


def _runner(runtime: Runtime, topic: str) -> ConsumerRunner:
    config = next(r.config for r in runtime.consumers if topic in r.config.topics)
    # the broker is never contacted: records are handed over directly
    return ConsumerRunner(
        config, default_registry(), runtime.sessions, "127.0.0.1:1", outbox=runtime.outbox
    )


def _asgi(app: object, base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)  # type: ignore[arg-type]


async def _intake(url: str) -> Intake:
    intake = bootstrap_intake(
        IntakeSettings(
            development=True,  # the development token secret
            database_url=url,
            master_key=base64.b64encode(os.urandom(32)).decode(),
            auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
        )
    )
    await upgrade(intake.runtime.engine, intake.runtime.migrations)
    return intake


@pytest.fixture(params=["postgresql", "sqlite"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    """The three services on PostgreSQL, then on SQLite."""
    auth = AuthSettings(jwt_secret=DEV_JWT_SECRET)
    with databases(request.param, request, tmp_path) as (intake_url, casework_url, notes_url):
        intake = await _intake(intake_url)
        casework = bootstrap_casework(
            CaseworkSettings(development=True, database_url=casework_url, auth=auth),
            key_store_http=_asgi(create_intake_app(intake), "http://intake"),
        )
        casework.clock = lambda: NOW
        await upgrade(casework.runtime.engine, casework.runtime.migrations)
        notifications = bootstrap_notifications(
            NotificationsSettings(
                development=True,
                database_url=notes_url,
                auth=auth,
                secret_key=base64.b64encode(os.urandom(32)).decode(),
            ),
            key_store_http=_asgi(create_intake_app(intake), "http://intake"),
        )
        notifications.clock.set(NOW)
        await upgrade(notifications.runtime.engine, notifications.runtime.migrations)
        runners = {
            "intake.events": _runner(notifications.runtime, "intake.events"),
            "casework.events": _runner(notifications.runtime, "casework.events"),
        }
        async with (
            _asgi(create_intake_app(intake), "http://intake") as intake_http,
            _asgi(create_casework_app(casework), "http://casework") as casework_http,
            _asgi(create_notifications_app(notifications), "http://notifications") as messages,
        ):
            world = CaseworkWorld(
                casework, casework_http, intake, _runner(casework.runtime, "intake.events")
            )
            yield World(intake_http, world, notifications, messages, runners)
        await notifications.close()
        await casework.close()
        await intake.runtime.close()


def locations(response: httpx.Response) -> list[list[str]]:
    """Where each error of a 422 problem is, after checking it is one."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [[str(part) for part in error["loc"]] for error in response.json()["errors"]]


def named(response: httpx.Response) -> list[str]:
    """The fields a 422 problem names."""
    return [loc[-1] for loc in locations(response)]


async def a_case(world: World) -> dict:
    return await open_case(world.casework, await person(world.intake, world.casework), "asylum")


async def test_an_offset_beyond_any_page_is_a_422_naming_it(world: World) -> None:
    await a_case(world)
    lists = [(world.intake, "/persons", DESK), (world.casework.http, "/cases", CASEWORKER)]
    lists.append((world.casework.http, "/day", CASEWORKER))
    for http, path, headers in lists:
        for offset in (2**63, 2**63 - 1, 1_000_001, -1):
            response = await http.get(path, params={"offset": offset}, headers=headers)
            assert named(response) == ["offset"], (path, offset)
            assert response.json()["errors"][0]["loc"] == ["query", "offset"]
        deepest = await http.get(path, params={"offset": 1_000_000}, headers=headers)
        assert deepest.status_code == 200, (path, deepest.text)
    schema = (await world.casework.http.get("/openapi.json")).json()
    cases = {p["name"]: p["schema"] for p in schema["paths"]["/cases"]["get"]["parameters"]}
    assert (cases["offset"]["minimum"], cases["offset"]["maximum"]) == (0, 1_000_000)


async def test_an_instant_out_of_range_is_a_422_and_the_next_request_is_served(
    world: World,
) -> None:
    case = await a_case(world)
    path = f"/cases/{case['id']}/appointments"
    body = {"kind": "prefecture", "starts_at": OVERFLOWING, "place": "Mairie"}
    assert named(await world.casework.http.post(path, json=body, headers=CASEWORKER)) == [
        "starts_at"
    ]
    booked = await world.casework.http.post(
        path, json={**body, "starts_at": AHEAD}, headers=CASEWORKER
    )
    assert booked.status_code == 201, booked.text
    moved = await world.casework.http.post(
        f"/appointments/{booked.json()['id']}/reschedule",
        json={"revision": 1, "starts_at": "1899-12-31T23:00:00+23:59"},
        headers=CASEWORKER,
    )
    assert named(moved) == ["starts_at"]
    persons = await world.intake.get(
        "/persons", params={"registered_from": OVERFLOWING}, headers=DESK
    )
    assert named(persons) == ["registered_from"]
    far = await world.casework.http.post(
        f"/cases/{case['id']}/transitions",
        json={"to": "closed", "on": "9999-12-31", "version": 1},
        headers=CASEWORKER,
    )
    assert named(far) == ["on"]
    opening = {"person_id": case["person_id"], "case_type": "asylum"}
    notified = await world.casework.http.post(
        "/cases", json={**opening, "notified": {"x": "0001-01-01"}}, headers=CASEWORKER
    )
    assert locations(notified) == [["body", "notified", "x"]]
    huge = await world.casework.http.put(
        f"/cases/{case['id']}/assignee",
        json={"assignee": None, "version": 2**63},
        headers=CASEWORKER,
    )
    assert named(huge) == ["version"]


async def test_oversize_strings_are_422s_naming_the_field(world: World) -> None:
    case = await a_case(world)
    registered = await world.intake.post(
        "/persons", json={"chosen_name": "Amina", "timezone": "Europe/" + "x" * 100}, headers=DESK
    )
    assert named(registered) == ["timezone"]
    tag = "fr" + "-abcdefgh" * 20
    listed = await world.intake.get("/persons", params={"preferred_language": tag}, headers=DESK)
    assert named(listed) == ["preferred_language"]
    opening = {"person_id": case["person_id"], "case_type": "asylum"}
    opened = await world.casework.http.post(
        "/cases", json={**opening, "notified": {"a" * 65: "2026-03-02"}}, headers=CASEWORKER
    )
    assert [loc[:2] + loc[-1:] for loc in locations(opened)] == [["body", "notified", "[key]"]]
    offers = await world.casework.http.get(
        "/shares", params={"status": "x" * 5000}, headers=CASEWORKER
    )
    assert named(offers) == ["status"]
    task = await world.casework.http.post(
        f"/cases/{case['id']}/tasks", json={"title": "x" * 301}, headers=CASEWORKER
    )
    assert named(task) == ["title"]


async def messages_of(world: World, appointment_id: str) -> list[dict]:
    await world.sync()
    response = await world.messages.get(f"/appointments/{appointment_id}/messages", headers=STAFF)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_past_appointment_is_refused_unless_recorded_as_history(world: World) -> None:
    case = await a_case(world)
    path = f"/cases/{case['id']}/appointments"
    body = {"kind": "lawyer", "place": "Cabinet de Maître Diallo"}

    past = await world.casework.http.post(
        path, json={**body, "starts_at": PAST}, headers=CASEWORKER
    )
    assert named(past) == ["starts_at"]
    assert "already past" in past.json()["detail"]
    early = await world.casework.http.post(
        path, json={**body, "starts_at": AHEAD, "outcome": "attended"}, headers=CASEWORKER
    )
    assert named(early) == ["outcome"]

    recorded = await world.casework.http.post(
        path, json={**body, "starts_at": PAST, "outcome": "attended"}, headers=CASEWORKER
    )
    assert recorded.status_code == 201, recorded.text
    history = recorded.json()
    assert (history["status"], history["history"], history["revision"]) == ("attended", True, 1)
    [announced] = await appointment_events(world.casework)
    assert announced["type"] == "casework.appointment_attended.v1"
    assert announced["data"]["history"] is True
    assert await messages_of(world, history["id"]) == [], "history plans no reminder"

    booked = await world.casework.http.post(
        path, json={**body, "starts_at": AHEAD}, headers=CASEWORKER
    )
    assert (booked.status_code, booked.json()["history"]) == (201, False)
    planned = await messages_of(world, booked.json()["id"])
    assert planned, "an appointment ahead plans its reminders"
    assert {m["status"] for m in planned} == {"queued"}
    move = f"/appointments/{booked.json()['id']}/reschedule"
    backwards = await world.casework.http.post(
        move, json={"revision": 1, "starts_at": PAST}, headers=CASEWORKER
    )
    assert named(backwards) == ["starts_at"]
    missed = await world.casework.http.post(
        move, json={"revision": 1, "starts_at": PAST, "outcome": "missed"}, headers=CASEWORKER
    )
    assert missed.status_code == 200, missed.text
    assert (missed.json()["status"], missed.json()["history"]) == ("missed", True)
    assert missed.json()["starts_at"].startswith("2026-02-20T09:00:00")
    last = (await appointment_events(world.casework))[-1]
    assert (last["type"], last["data"]["history"]) == ("casework.appointment_missed.v1", True)
    after = await messages_of(world, booked.json()["id"])
    assert {m["status"] for m in after} == {"cleared"}, "the reminders planned ahead are cleared"


@pytest.fixture(params=["postgresql", "sqlite"])
async def audit_http(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """Audit on a fresh database of each kind, its store empty: bounds need no history."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
        else:
            url = stack.enter_context(fresh_database(request.getfixturevalue("pg_server_url")))
        settings = AuditSettings(
            development=True, database_url=url, auth=AuthSettings(jwt_secret=DEV_JWT_SECRET)
        )
        audit = bootstrap_audit(
            settings, key_store_http=httpx.AsyncClient(base_url="http://127.0.0.1:9")
        )
        await upgrade(audit.runtime.engine, audit.runtime.migrations)
        async with _asgi(create_audit_app(audit), "http://audit") as http:
            yield http
        await audit.close()


def cursor_of(value: object) -> str:
    """A cursor of the right shape whose content is `value`."""
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_audits_bad_instants_limits_and_cursors_are_422s_never_500s(
    audit_http: httpx.AsyncClient,
) -> None:
    ident = str(uuid.uuid4())
    for path in (f"/cases/{ident}", f"/placements/{ident}", f"/persons/{ident}/consents"):
        for as_of in ("yesterday", OVERFLOWING, "2026-03-02T09:00:00", "0001-01-01T00:00:00Z"):
            answer = await audit_http.get(path, params={"as_of": as_of}, headers=AUDITOR)
            assert named(answer) == ["as_of"], (path, as_of)
    for limit in (-1, 0, 10**6, 2**63, "all"):
        answer = await audit_http.get("/events", params={"limit": limit}, headers=AUDITOR)
        assert named(answer) == ["limit"], limit
    for name in ("from", "to"):
        answer = await audit_http.get("/events", params={name: OVERFLOWING}, headers=AUDITOR)
        assert named(answer) == [name]
    for bad in ("not a cursor!", "x" * 201):
        answer = await audit_http.get("/events", params={"cursor": bad}, headers=AUDITOR)
        assert named(answer) == ["cursor"], bad
    forged = [
        "abc",
        cursor_of("a string"),
        cursor_of(["yesterday", "casework", 1]),
        cursor_of(["2026-03-02T09:00:00", "casework", 1]),
        cursor_of(["2026-03-02T09:00:00+00:00", "casework", 2**70]),
        cursor_of(["2026-03-02T09:00:00+00:00", "casework", -(2**70)]),
        cursor_of(["9999-12-31T23:59:59-23:59", "casework", 1]),
        cursor_of(["2026-03-02T09:00:00+00:00", None, 1]),
    ]
    for bad in forged:
        answer = await audit_http.get("/events", params={"cursor": bad}, headers=AUDITOR)
        assert answer.status_code == 422, (bad, answer.status_code, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    for path in ("/persons/not-an-id/timeline", "/cases/42"):
        assert (await audit_http.get(path, headers=AUDITOR)).status_code == 422
    served = await audit_http.get("/events", params={"limit": 1}, headers=AUDITOR)
    assert served.status_code == 200, served.text
