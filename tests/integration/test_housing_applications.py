"""Social housing applications: filed with a numéro unique sealed with the person's key and
found by a keyed hash, renewed (the next renewal due a year later), proposals received and
refused with a reason sealed (readable neither in the tables nor in the events), the link to a
DALO case, the worker's renewal reminders a month and a week before and the lapse after, and
another organisation told nothing exists. Intake in process as the key store; PostgreSQL and
SQLite."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from services.housing.handlers.applications import number_digest
from services.housing.scheduler import remind_once
from tests.integration.conftest import token
from tests.integration.in_process import WithIntake, databases, feed, housing_with_intake

pytestmark = pytest.mark.integration

CITY, PARTNER, OTHER_ORG = "city-montreuil", "assoc-logis", "assoc-other"
DESK = token(CITY, "intake", "caseworker")
CITY_COORDINATOR = token(CITY, "coordinator")
PARTNER_STAFF = token(PARTNER, "caseworker", user="lea")
OTHER = token(OTHER_ORG, "caseworker", "coordinator", user="zoe")
TODAY = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)
NUMBER = "093 25 03 93048 00123 K"
CLEAR_NUMBER = "09325039304800123K"
DWELLING = "T3 au 12 rue des Canaries, Montreuil, 2e étage"
REASON = "Trop loin de l'école de Yasmine, vu avec Mme Canari"


World = WithIntake
"""Housing (run by the city) with intake in process as its key store."""


@pytest.fixture(params=["postgresql", "sqlite"])
async def world(
    request: pytest.FixtureRequest, pg_server_url: str, tmp_path: Path
) -> AsyncIterator[World]:
    """Intake and housing on fresh, migrated databases, housing's clock at TODAY."""
    with databases(request.param, pg_server_url, tmp_path, "intake", "housing") as urls:
        async with housing_with_intake(urls, TODAY) as pair:
            yield pair


async def a_person(world: World) -> str:
    """A person registered at the city's desk; their id."""
    person = await world.desk.post("/persons", json={"chosen_name": "Amina"}, headers=DESK)
    assert person.status_code == 201, person.text
    return str(person.json()["id"])


async def file(world: World, person_id: str, **body: Any) -> dict[str, Any]:
    """The partner files the person's application; the application as answered."""
    sent = {"person_id": person_id, "number": NUMBER, "filed_on": "2025-03-14", **body}
    filed = await world.http.post("/applications", json=sent, headers=PARTNER_STAFF)
    assert filed.status_code == 201, filed.text
    return dict(filed.json())


async def events(world: World, kind: str) -> list[dict[str, Any]]:
    """Housing's outbox envelopes of one type, oldest first."""
    table = world.housing.runtime.outbox.table
    async with world.housing.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.envelope).where(table.c.type == kind).order_by(table.c.seq)
        )
        return [json.loads(envelope) for (envelope,) in rows]


async def dump(world: World, *tables: str) -> str:
    """Every row of the tables (and the outbox) as text: what a reader of the database sees."""
    names = (*tables, world.housing.runtime.outbox.table.name)
    async with world.housing.runtime.sessions() as session:
        rows = [
            row for name in names for row in (await session.execute(text(f"SELECT * FROM {name}")))
        ]
    return "\n".join(str(tuple(row)) for row in rows)


async def test_an_application_is_filed_with_its_number_sealed_and_its_dalo_case(
    world: World,
) -> None:
    person_id, dalo_case = await a_person(world), str(uuid.uuid4())
    filed = await file(world, person_id, departement="093", dalo_case_id=dalo_case)
    assert filed["number"] == CLEAR_NUMBER
    assert (filed["departement"], filed["status"], filed["dalo_case_id"]) == (
        "93",
        "active",
        dalo_case,
    )
    # filed 14 March 2025, entered in January 2026: due the day before the first anniversary
    assert (filed["filed_on"], filed["renewal_due"]) == ("2025-03-14", "2026-03-13")
    assert filed["organisation_id"] == PARTNER

    stored = await dump(world, "housing_applications")
    assert CLEAR_NUMBER not in stored
    [event] = await events(world, "housing.application_filed.v1")
    assert event["data"]["number"].startswith("enc:v1:")
    assert event["data"]["dalo_case_id"] == dalo_case

    again = await world.http.post(
        "/applications",
        json={"person_id": await a_person(world), "number": CLEAR_NUMBER, "filed_on": "2025-03-14"},
        headers=DESK,
    )
    assert again.status_code == 409, "the keyed hash finds the same number, however written"
    listed = await world.http.get(f"/persons/{person_id}/applications", headers=PARTNER_STAFF)
    assert [a["id"] for a in listed.json()] == [filed["id"]]
    operator = await world.http.get(f"/applications/{filed['id']}", headers=DESK)
    assert operator.status_code == 200, "the operator's staff see every application"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"number": "09325039304800123"}, "18 characters"),
        ({"departement": "75"}, "département 93"),
        ({"filed_on": "2025-04-02"}, "2025-03"),
        ({"dalo_case_id": "case-12"}, "dalo_case_id"),
        ({"filed_on": "2027-03-14", "number": "093270393048 00123K"}, "future"),
    ],
)
async def test_bad_input_is_a_422_saying_what_is_wrong(
    world: World, body: dict[str, str], says: str
) -> None:
    sent = {"person_id": str(uuid.uuid4()), "number": NUMBER, "filed_on": "2025-03-14", **body}
    refused = await world.http.post("/applications", json=sent, headers=PARTNER_STAFF)
    assert refused.status_code == 422, refused.text
    assert says in refused.text


async def test_a_renewal_moves_the_due_date_a_year_and_a_late_one_is_refused(
    world: World,
) -> None:
    filed = await file(world, await a_person(world))
    url = f"/applications/{filed['id']}/renewals"
    renewed = await world.http.post(url, json={"renewed_on": "2026-01-15"}, headers=PARTNER_STAFF)
    assert renewed.status_code == 200, renewed.text
    assert (renewed.json()["renewal_due"], renewed.json()["renewals"]) == ("2027-03-13", 1)
    [event] = await events(world, "housing.application_renewed.v1")
    assert (event["data"]["renewed_on"], event["data"]["renewal_due"]) == (
        "2026-01-15",
        "2027-03-13",
    )
    twice = await world.http.post(url, json={"renewed_on": "2026-01-16"}, headers=PARTNER_STAFF)
    assert twice.status_code == 409, "one renewal a year"
    future = await world.http.post(url, json={"renewed_on": "2026-02-01"}, headers=PARTNER_STAFF)
    assert future.status_code == 422, future.text


async def test_a_proposal_refused_keeps_its_dwelling_and_reason_sealed(world: World) -> None:
    filed = await file(world, await a_person(world))
    proposal = {"dwelling": DWELLING, "commission_on": "2026-01-12"}
    received = await world.http.post(
        f"/applications/{filed['id']}/proposals", json=proposal, headers=PARTNER_STAFF
    )
    assert received.status_code == 201, received.text
    proposal_id = received.json()["id"]
    url = f"/proposals/{proposal_id}/outcome"
    no_reason = await world.http.post(url, json={"outcome": "refused"}, headers=PARTNER_STAFF)
    assert no_reason.status_code == 422, "a refusal needs its reason"
    refused = await world.http.post(
        url, json={"outcome": "refused", "reason": REASON}, headers=PARTNER_STAFF
    )
    assert refused.status_code == 200, refused.text
    assert (refused.json()["outcome"], refused.json()["reason"]) == ("refused", REASON)
    twice = await world.http.post(url, json={"outcome": "accepted"}, headers=PARTNER_STAFF)
    assert twice.status_code == 409

    shown = (await world.http.get(f"/applications/{filed['id']}", headers=PARTNER_STAFF)).json()
    [read] = shown["proposals"]
    assert (read["dwelling"], read["reason"], read["commission_on"]) == (
        DWELLING,
        REASON,
        "2026-01-12",
    )
    assert shown["status"] == "active", "a refusal leaves the application open"
    stored = await dump(world, "housing_proposals")
    for canary in ("Canari", "Yasmine", "rue des"):
        assert canary not in stored
    [answered] = await events(world, "housing.proposal_answered.v1")
    assert answered["data"]["reason"].startswith("enc:v1:")
    [got] = await events(world, "housing.proposal_received.v1")
    assert got["data"]["dwelling"].startswith("enc:v1:")


async def test_an_accepted_proposal_closes_the_application(world: World) -> None:
    filed = await file(world, await a_person(world))
    proposal = {"dwelling": DWELLING, "commission_on": "2026-01-12"}
    received = await world.http.post(
        f"/applications/{filed['id']}/proposals", json=proposal, headers=PARTNER_STAFF
    )
    outcome = {"outcome": "accepted"}
    accepted = await world.http.post(
        f"/proposals/{received.json()['id']}/outcome", json=outcome, headers=PARTNER_STAFF
    )
    assert accepted.status_code == 200, accepted.text
    shown = await world.http.get(f"/applications/{filed['id']}", headers=PARTNER_STAFF)
    assert shown.json()["status"] == "closed"
    renew = {"renewed_on": "2026-01-19"}
    late = await world.http.post(
        f"/applications/{filed['id']}/renewals", json=renew, headers=PARTNER_STAFF
    )
    assert late.status_code == 409


async def test_another_organisation_is_told_nothing_exists(world: World) -> None:
    person_id = await a_person(world)
    filed = await file(world, person_id)
    proposal = {"dwelling": DWELLING, "commission_on": "2026-01-12"}
    received = await world.http.post(
        f"/applications/{filed['id']}/proposals", json=proposal, headers=PARTNER_STAFF
    )
    proposal_id = received.json()["id"]
    calls = [
        ("GET", f"/applications/{filed['id']}", None),
        ("POST", f"/applications/{filed['id']}/renewals", {"renewed_on": "2026-01-15"}),
        ("POST", f"/applications/{filed['id']}/proposals", proposal),
        ("POST", f"/proposals/{proposal_id}/outcome", {"outcome": "accepted"}),
    ]
    for method, url, body in calls:
        answer = await world.http.request(method, url, json=body, headers=OTHER)
        assert answer.status_code == 404, (url, answer.text)
    listed = await world.http.get(f"/persons/{person_id}/applications", headers=OTHER)
    unknown = await world.http.get(f"/persons/{uuid.uuid4()}/applications", headers=OTHER)
    assert listed.status_code == unknown.status_code == 404, listed.text
    assert (await world.http.get("/applications", headers=OTHER)).json() == []
    mine = await world.http.get("/applications?status=active", headers=PARTNER_STAFF)
    assert [a["id"] for a in mine.json()] == [filed["id"]]
    unsigned = await world.http.get(f"/applications/{filed['id']}")
    assert unsigned.status_code == 401
    assert len(await events(world, "housing.application_renewed.v1")) == 0


async def test_the_worker_reminds_a_month_and_a_week_before_then_lapses(world: World) -> None:
    person_id = await a_person(world)
    filed = await file(world, person_id)  # due 13 March 2026

    async def on(day: datetime) -> int:
        world.housing.clock = lambda: day
        return await remind_once(world.housing)

    assert await on(datetime(2026, 2, 12, 9, 0, tzinfo=UTC)) == 0
    assert await on(datetime(2026, 2, 13, 9, 0, tzinfo=UTC)) == 1
    assert await on(datetime(2026, 2, 13, 18, 0, tzinfo=UTC)) == 0, "once per kind"
    assert await on(datetime(2026, 3, 6, 9, 0, tzinfo=UTC)) == 1
    reminders = await events(world, "housing.renewal_due.v1")
    assert [(e["data"]["kind"], e["data"]["due"], e["data"]["person_id"]) for e in reminders] == [
        ("month_before", "2026-03-13", person_id),
        ("week_before", "2026-03-13", person_id),
    ]
    assert await on(datetime(2026, 3, 14, 9, 0, tzinfo=UTC)) == 0
    shown = await world.http.get(f"/applications/{filed['id']}", headers=PARTNER_STAFF)
    assert shown.json()["status"] == "lapsed"


async def test_after_erasure_the_number_and_the_dwelling_read_as_nothing(world: World) -> None:
    person_id = await a_person(world)
    filed = await file(world, person_id)
    proposal = {"dwelling": DWELLING, "commission_on": "2026-01-12"}
    url = f"/applications/{filed['id']}/proposals"
    received = await world.http.post(url, json=proposal, headers=PARTNER_STAFF)
    assert received.status_code == 201, received.text
    number_hash = f"'{number_digest(world.housing.index_key, CLEAR_NUMBER)}'"
    assert number_hash in await dump(world, "housing_applications")

    erased = await world.desk.post(f"/persons/{person_id}/erasure", headers=CITY_COORDINATOR)
    assert erased.status_code == 200, erased.text
    await feed(world.intake.runtime, "intake.events", world.housing.runtime).pass_on()

    shown = (await world.http.get(f"/applications/{filed['id']}", headers=PARTNER_STAFF)).json()
    assert shown["number"] is None
    assert shown["proposals"][0]["dwelling"] is None
    assert shown["status"] == "closed", "nothing more is written about an erased person"
    again = await world.http.post(url, json=proposal, headers=PARTNER_STAFF)
    assert again.status_code == 409, again.text
    assert number_hash not in await dump(world, "housing_applications"), "it found her"
    world.housing.clock = lambda: datetime(2026, 2, 13, 9, 0, tzinfo=UTC)
    assert await remind_once(world.housing) == 0, "no reminder for nobody"
    refiled = await file(world, await a_person(world))
    assert refiled["number"] == CLEAR_NUMBER, "the number is not held by an erased file"
