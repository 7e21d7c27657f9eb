"""The auditors' API over what the services really recorded: intake and casework run in
process (real PostgreSQL), their outbox logs are stored by audit's own ingestion (on
PostgreSQL and SQLite), and an auditor asks: a case as it was at three instants equals what
casework answered then, a person's timeline across services with names until erasure, their
consents on a date, who read their data, a placement as it was, and the search of events.
Only auditors may ask, only by GET, and every request is recorded in audit's own chain."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.audit.app import create_app as create_audit_app
from services.audit.bootstrap import bootstrap as bootstrap_audit
from services.audit.container import Audit
from services.audit.handlers.ingest import prepare, store_batch
from services.audit.models import StoredEvent, outbox_table
from services.audit.settings import AuditSettings
from services.intake.app import create_app as create_intake_app
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.db import create_engine, session_factory
from shared.events import housing
from shared.events.access import CaseworkPersonalDataRead, PersonalDataReadEntry
from shared.events.base import Event
from shared.kafka import IncomingRecord
from shared.migrations import upgrade
from shared.outbox import Metadata, OutboxLog
from shared.runtime import Runtime
from tests.integration.conftest import CaseworkWorld, token
from tests.integration.in_process import databases
from tests.integration.test_casework_cases import CASEWORKER, CITY, open_case, person
from tests.integration.test_casework_sharing import GISTI, answer, consent, offer
from tests.support import probe

pytestmark = pytest.mark.integration

AUDITOR = token("city-inspection", "auditor", user="anne")
AT_GISTI = token(GISTI, "caseworker", user="yann")
STAFF = token(CITY, "intake", "caseworker")
T1 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T2, T3 = T1 + timedelta(hours=2), T1 + timedelta(days=1)
CASE_FIELDS = (
    "id",
    "person_id",
    "organisation_id",
    "service",
    "referral_id",
    "case_type",
    "status",
    "assignee",
    "version",
)
DEADLINE_FIELDS = (
    "id",
    "rule_id",
    "rule_version",
    "legal_reference",
    "anchor",
    "computed_due",
    "notified_due",
    "due",
    "differs",
    "status",
)


@dataclass
class AuditWorld:
    """Audit beside intake and casework: their logs copied into audit's store by its own
    ingestion, as if read from their topics (one partition each, in log order)."""

    audit: Audit
    http: httpx.AsyncClient
    casework: CaseworkWorld
    copied: dict[str, int]

    async def ingest(self, *extra: Runtime) -> None:
        """Store every event intake and casework (and `extra`) recorded since the last time."""
        runtimes = [self.casework.intake.runtime, self.casework.casework.runtime, *extra]
        records: list[IncomingRecord] = []
        for runtime in runtimes:
            table, topic = runtime.outbox.table, runtime.outbox.topic
            async with runtime.sessions() as session:
                rows = await session.execute(
                    select(table.c.seq, table.c.key, table.c.envelope)
                    .where(table.c.seq > self.copied.get(topic, 0))
                    .order_by(table.c.seq)
                )
                for seq, key, envelope in rows:
                    records.append(IncomingRecord(topic, 0, seq, key, envelope.encode()))
                    self.copied[topic] = seq
        sources = {r.outbox.topic: r.outbox.source for r in runtimes}
        async with self.audit.units(Metadata(actor="audit-ingest")) as uow:
            await store_batch(uow, prepare(records, sources, {}), {}, T3)
            await uow.commit()

    async def get(self, path: str, headers: dict[str, str] = AUDITOR, **params: Any) -> Any:
        """An auditor's GET, which must answer 200; its JSON."""
        response = await self.http.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def recorded_requests(self) -> list[dict[str, Any]]:
        """The auditors' requests audit recorded in its own chain, in order."""
        async with self.audit.runtime.sessions() as session:
            rows = await session.execute(
                select(outbox_table.c.envelope)
                .where(outbox_table.c.type == "audit.auditor_request.v1")
                .order_by(outbox_table.c.seq)
            )
            return [json.loads(text) for text in rows.scalars()]


@pytest.fixture(params=["sqlite", "postgresql"])
async def world(
    request: pytest.FixtureRequest, casework: CaseworkWorld, pg_server_url: str, tmp_path: Path
) -> AsyncIterator[AuditWorld]:
    """Audit on its own database (SQLite file or PostgreSQL), reading keys from intake."""
    intake = casework.intake
    intake.key_clients = frozenset({*intake.key_clients, "audit"})
    with databases(request.param, pg_server_url, tmp_path, "audit") as (url,):
        settings = AuditSettings(
            development=True,
            database_url=url,
            auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
            checkpoint={"dev_key_dir": str(tmp_path / "keys")},
        )
        key_store = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_intake_app(intake)), base_url="http://intake"
        )
        audit = bootstrap_audit(settings, key_store_http=key_store)
        audit.clock = lambda: T3 + timedelta(days=1)
        await upgrade(audit.runtime.engine, audit.runtime.migrations)
        transport = httpx.ASGITransport(app=create_audit_app(audit))
        async with httpx.AsyncClient(transport=transport, base_url="http://audit") as http:
            yield AuditWorld(audit, http, casework, {})
        await audit.close()


def same_instant(left: str | None, right: str | None) -> bool:
    if left is None or right is None:
        return left is right
    return datetime.fromisoformat(left) == datetime.fromisoformat(right)


async def casework_answers(casework: CaseworkWorld, case_id: str, headers: dict) -> dict:
    """What casework answers about the case now: the case and its deadlines."""
    case = await casework.http.get(f"/cases/{case_id}", headers=headers)
    deadlines = await casework.http.get(f"/cases/{case_id}/deadlines", headers=headers)
    assert case.status_code == deadlines.status_code == 200, case.text + deadlines.text
    return {"case": case.json(), "deadlines": deadlines.json()}


def assert_same_case(audited: dict, answered: dict) -> None:
    case = answered["case"]
    assert {f: audited[f] for f in CASE_FIELDS} == {f: case[f] for f in CASE_FIELDS}
    assert same_instant(audited["opened_at"], case["opened_at"])
    assert same_instant(audited["updated_at"], case["updated_at"])
    expected = {d["id"]: {f: d[f] for f in DEADLINE_FIELDS} for d in answered["deadlines"]}
    assert {d["id"]: {f: d[f] for f in DEADLINE_FIELDS} for d in audited["deadlines"]} == expected


async def test_a_case_as_of_three_instants_is_what_casework_answered_then(
    client: httpx.AsyncClient, world: AuditWorld
) -> None:
    casework = world.casework
    now = {"at": T1}
    casework.casework.clock = lambda: now["at"]
    person_id = await person(client, casework)
    case = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")
    answered = {T1: await casework_answers(casework, case["id"], CASEWORKER)}

    now["at"] = T2
    await consent(client, person_id, GISTI)
    await casework.sync()
    transfer = await offer(casework, case, GISTI, "transfer")
    assert transfer.status_code == 201, transfer.text
    assert (await answer(casework, transfer.json()["id"], "accept", AT_GISTI)).status_code == 200
    answered[T2] = await casework_answers(casework, case["id"], AT_GISTI)

    now["at"] = T3
    moved = await casework.http.post(
        f"/cases/{case['id']}/transitions",
        json={
            "to": "appeal_lodged",
            "on": "2026-03-03",
            "version": answered[T2]["case"]["version"],
        },
        headers=AT_GISTI,
    )
    assert moved.status_code == 200, moved.text
    answered[T3] = await casework_answers(casework, case["id"], AT_GISTI)
    assert [d["status"] for d in answered[T3]["deadlines"]] == ["met"]

    await world.ingest()
    for instant, expected in answered.items():
        audited = await world.get(f"/cases/{case['id']}", as_of=instant.isoformat())
        assert_same_case(audited, expected)
    at_transfer = await world.get(f"/cases/{case['id']}", as_of=T2.isoformat())
    assert (at_transfer["organisation_id"], at_transfer["partners"]) == (GISTI, [])
    assert [(s["kind"], s["status"], s["answered_by"]) for s in at_transfer["shares"]] == [
        ("transfer", "accepted", "yann")
    ]
    before = await world.http.get(
        f"/cases/{case['id']}",
        params={"as_of": (T1 - timedelta(seconds=1)).isoformat()},
        headers=AUDITOR,
    )
    assert before.status_code == 404


async def test_a_persons_timeline_across_services_names_until_erasure_and_their_consents(
    client: httpx.AsyncClient, world: AuditWorld
) -> None:
    casework = world.casework
    now = {"at": T1}
    casework.casework.clock = casework.intake.clock = lambda: now["at"]
    person_id = await person(client, casework, name="Amina Canarynom")
    consent_id = await consent(client, person_id, GISTI)
    case = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")
    now["at"] = T2
    scheduled = await casework.http.post(
        f"/cases/{case['id']}/appointments",
        json={"kind": "lawyer", "starts_at": "2026-03-10T10:00:00+01:00", "place": "Rue Canary 3"},
        headers=CASEWORKER,
    )
    assert scheduled.status_code == 201, scheduled.text
    withdrawn = await client.post(
        f"/persons/{person_id}/consents/{consent_id}/withdraw", headers=STAFF
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await world.ingest()

    timeline = await world.get(f"/persons/{person_id}/timeline")
    entries = timeline["entries"]
    assert not timeline["erased"]
    registered = next(e for e in entries if e["type"] == "intake.person_registered.v1")
    assert registered["data"]["chosen_name"] == "Amina Canarynom"
    assert (registered["actor"], registered["actororg"]) == ("desk", CITY)
    order = [(e["time"], e["source"], e["seq"]) for e in entries]
    assert order == sorted(order, key=lambda o: (datetime.fromisoformat(o[0]), o[1], o[2]))
    types = [e["type"] for e in entries]
    assert {"casework.case_opened.v1", "casework.appointment_scheduled.v1"} <= set(types)
    place = next(e for e in entries if e["type"] == "casework.appointment_scheduled.v1")
    assert place["data"]["place"] == "Rue Canary 3"
    assert all(e["data"].get("person_id") in (person_id, None) for e in entries)

    consents = await world.get(f"/persons/{person_id}/consents", as_of=T1.isoformat())
    assert [(c["id"], c["withdrawn_at"]) for c in consents["consents"]] == [(consent_id, None)]
    later = await world.get(f"/persons/{person_id}/consents")
    assert same_instant(later["consents"][0]["withdrawn_at"], withdrawn.json()["withdrawn_at"])
    assert later["consents"][0]["withdrawn_by"] == withdrawn.json()["withdrawn_by"]

    now["at"] = T3
    erased = await client.post(f"/persons/{person_id}/erasure", headers=STAFF)
    assert erased.status_code == 200, erased.text
    await world.ingest()
    after = await world.get(f"/persons/{person_id}/timeline")
    assert after["erased"]
    names = [e["data"]["chosen_name"] for e in after["entries"] if "chosen_name" in e["data"]]
    assert names == ["[erased]"]
    assert after["entries"][-1]["type"] == "intake.person_erased.v1"
    shown = json.dumps(after)
    assert "Canary" not in shown
    async with world.audit.runtime.sessions() as session:
        stored = (await session.execute(select(StoredEvent.envelope))).scalars().all()
    assert not [text for text in stored if "Canary" in text], "no name in clear in audit"


async def test_who_read_a_persons_data_key_releases_and_access_events(
    client: httpx.AsyncClient, world: AuditWorld
) -> None:
    casework = world.casework
    person_id = await person(client, casework)
    other_id = await person(client, casework, name="Other")

    def read(resource: str, about: str) -> PersonalDataReadEntry:
        return PersonalDataReadEntry(
            actor="lea",
            actororg=CITY,
            resource=resource,
            resource_id=about,
            person_id=about,
            at=T2,
            route="/cases/{case_id}/notes",
        )

    runtime = casework.casework.runtime
    async with runtime.units(Metadata()) as uow:  # as casework's access recorder writes them
        uow.record(
            CaseworkPersonalDataRead(
                reads=[read("case_notes", person_id), read("case_notes", other_id)]
            )
        )
        await uow.commit()
    await world.ingest()
    await world.get(f"/persons/{person_id}/timeline")  # audit itself asks intake for the key
    await world.ingest()

    log = await world.get(f"/persons/{person_id}/access")
    reads = [(r["resource"], r["actor"], r["source"]) for r in log["reads"]]
    assert ("case_notes", "lea", "casework") in reads
    assert ("key_release", "service:audit", "intake") in reads
    assert all(r["resource_id"] != other_id for r in log["reads"])
    other = await world.get(f"/persons/{other_id}/access")
    assert [r["resource"] for r in other["reads"]] == ["case_notes"]


async def test_events_are_searched_by_what_they_are_about_a_page_at_a_time(
    client: httpx.AsyncClient, world: AuditWorld
) -> None:
    casework = world.casework
    person_id = await person(client, casework)
    case = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")
    await person(client, casework, name="Someone else")
    await world.ingest()

    everything = await world.get("/events", person=person_id, limit=200)
    assert everything["next_cursor"] is None
    assert {e["type"] for e in everything["items"]} >= {
        "intake.person_registered.v1",
        "casework.case_opened.v1",
    }
    paged: list[dict] = []
    cursor = None
    while True:
        params = {"person": person_id, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await world.get("/events", **params)
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [(e["source"], e["seq"]) for e in paged] == [
        (e["source"], e["seq"]) for e in everything["items"]
    ]
    assert all("enc:v1:" not in json.dumps(e["data"]) for e in paged)

    opened = await world.get("/events", case=case["id"], type="casework.case_opened.v1")
    assert [e["subject"] for e in opened["items"]] == [case["id"]]
    by_city = await world.get("/events", organisation=CITY, actor="lea", limit=200)
    assert by_city["items"]
    assert all(e["actor"] == "lea" for e in by_city["items"])
    later = await world.get("/events", person=person_id, **{"from": "2100-01-01T00:00:00Z"})
    assert later["items"] == []
    bad = await world.http.get("/events", params={"cursor": "bm9wZQ"}, headers=AUDITOR)
    assert bad.status_code == 422


async def test_a_placement_as_it_was_from_housings_chain(world: AuditWorld, tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'housing-outbox.db'}")
    await probe.create_schema(engine)
    sessions = session_factory(engine)
    log = OutboxLog(probe.outbox_table, source="housing", topic="housing.events")
    placement_id, person_id, offer_id = (str(uuid.uuid4()) for _ in range(3))

    async def record(event: Event, at: datetime) -> None:
        meta = Metadata(actor="cora", actororg="operator")
        async with sessions() as session, session.begin():
            await log.append(session, [log.envelope(event, meta, now=at)])

    await record(
        housing.PlacementRequested(
            placement_id=placement_id,
            person_id=person_id,
            organisation_id=CITY,
            household_size=2,
            household_known=True,
            requested_at=T1,
        ),
        T1,
    )
    await record(
        housing.BedOffered(
            offer_id=offer_id,
            placement_id=placement_id,
            site_id="site",
            room_id="room",
            bed_ids=["b1", "b2"],
            first_night=date(2026, 3, 2),
            nights=5,
            expires_at=T2,
            offered_at=T1 + timedelta(minutes=5),
        ),
        T1 + timedelta(minutes=5),
    )
    await record(
        housing.CheckedIn(
            stay_id="stay-1",
            offer_id=offer_id,
            placement_id=placement_id,
            site_id="site",
            room_id="room",
            bed_ids=["b1", "b2"],
            first_night=date(2026, 3, 2),
            last_night=date(2026, 3, 6),
            checked_in_at=T1 + timedelta(hours=1),
        ),
        T1 + timedelta(hours=1),
    )
    await _store_log(world, sessions, log)
    await engine.dispose()

    offered = await world.get(
        f"/placements/{placement_id}", as_of=(T1 + timedelta(minutes=30)).isoformat()
    )
    assert offered["status"] == "offered"
    assert [(o["status"], o["bed_ids"], o["nights"]) for o in offered["offers"]] == [
        ("offered", ["b1", "b2"], 5)
    ]
    placed = await world.get(f"/placements/{placement_id}")
    assert placed["status"] == "placed"
    assert [(s["room_id"], s["nights"], s["checked_in_by"]) for s in placed["stays"]] == [
        ("room", 5, "cora")
    ]
    missing = await world.http.get(f"/placements/{uuid.uuid4()}", headers=AUDITOR)
    assert missing.status_code == 404


async def _store_log(world: AuditWorld, sessions: Any, log: OutboxLog) -> None:
    table = log.table
    async with sessions() as session:
        rows = (await session.execute(select(table.c.seq, table.c.key, table.c.envelope))).all()
    records = [IncomingRecord(log.topic, 0, seq, key, text.encode()) for seq, key, text in rows]
    async with world.audit.units(Metadata(actor="audit-ingest")) as uow:
        await store_batch(uow, prepare(records, {log.topic: log.source}, {}), {}, T3)
        await uow.commit()


ROUTES = (
    "/events",
    "/persons/{id}/timeline",
    "/persons/{id}/consents",
    "/persons/{id}/access",
    "/cases/{id}",
    "/placements/{id}",
)


def paths(ident: str) -> Iterable[str]:
    return (route.replace("{id}", ident) for route in ROUTES)


async def test_only_auditors_may_ask_only_by_get_and_every_request_is_recorded(
    world: AuditWorld,
) -> None:
    ident = str(uuid.uuid4())
    for path in paths(ident):
        for who in (CASEWORKER, token(CITY, "coordinator", "admin", "intake", user="boss")):
            refused = await world.http.get(path, headers=who)
            assert refused.status_code == 403, (path, refused.text)
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            written = await world.http.request(method, path, headers=AUDITOR, json={})
            assert written.status_code == 405, (method, path)
    assert (await world.http.get("/events", headers=AUDITOR)).status_code == 200
    assert (await world.http.get(f"/cases/{ident}", headers=AUDITOR)).status_code == 404
    assert (await world.http.get("/events")).status_code == 401

    recorded = await world.recorded_requests()
    answered = [(r["data"]["actor"], r["data"]["path"], r["data"]["status"]) for r in recorded]
    assert ("anne", "/events", 200) in answered
    assert ("anne", f"/cases/{ident}", 404) in answered
    assert ("lea", "/events", 403) in answered
    assert len(recorded) == 2 * len(ROUTES) + 2, "a request without a token names nobody"
    first = recorded[0]
    assert (first["source"], first["actor"], first["data"]["method"]) == ("audit", "lea", "GET")
    assert [r["seq"] for r in recorded] == sorted(r["seq"] for r in recorded)
