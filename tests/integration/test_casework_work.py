"""A case's daily work: tasks done once, confidential notes kept to the owning organisation
and never in clear at rest, and the procedure's document checklist (real PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from services.casework.models import metadata
from tests.integration.conftest import CaseworkWorld, token
from tests.integration.test_casework_cases import CASEWORKER, DESK, open_case, person

pytestmark = pytest.mark.integration

CITY, CIMADE = "city-montreuil", "assoc-la-cimade"
AT_CIMADE = token(CIMADE, "caseworker", user="ines")
ELSEWHERE = token("assoc-other", "caseworker")
COORDINATOR = token(CITY, "coordinator")


async def partner_with_consent(client: httpx.AsyncClient, person_id: str) -> None:
    """La Cimade is a partner, and the person consents to their file being shared with it."""
    partner = {"id": CIMADE, "name": "La Cimade", "services": ["legal_support"]}
    created = await client.post("/partners", json=partner, headers=COORDINATOR)
    assert created.status_code == 201, created.text
    given = await client.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": CIMADE},
        headers=DESK,
    )
    assert given.status_code == 201, given.text


async def refer_case_to_cimade(
    client: httpx.AsyncClient, casework: CaseworkWorld, person_id: str, case: dict
) -> None:
    """The city refers its case to La Cimade, which accepts: La Cimade works on it too."""
    await partner_with_consent(client, person_id)
    await casework.sync()
    offered = await casework.http.post(
        f"/cases/{case['id']}/shares",
        json={"organisation_id": CIMADE, "kind": "referral"},
        headers=CASEWORKER,
    )
    assert offered.status_code == 201, offered.text
    accepted = await casework.http.post(f"/shares/{offered.json()['id']}/accept", headers=AT_CIMADE)
    assert accepted.status_code == 200, accepted.text


async def everything_stored(casework: CaseworkWorld) -> str:
    """Every row of every casework table (outbox included), as text."""
    async with casework.casework.runtime.sessions() as session:
        dumps = [
            repr((await session.execute(select(table))).all()) for table in metadata.sorted_tables
        ]
    return "\n".join(dumps)


async def event_types(casework: CaseworkWorld) -> list[str]:
    table = casework.casework.runtime.outbox.table
    async with casework.casework.runtime.sessions() as session:
        rows = await session.execute(select(table.c.envelope).order_by(table.c.seq))
        return [json.loads(raw)["type"] for raw in rows.scalars()]


async def test_tasks_are_listed_open_first_and_done_once(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "asylum")
    path = f"/cases/{case['id']}/tasks"
    first = await casework.http.post(
        path,
        json={"title": "Call the lawyer about Farid", "due_on": "2026-04-01"},
        headers=CASEWORKER,
    )
    assert first.status_code == 201, first.text
    assert (first.json()["title"], first.json()["done"]) == ("Call the lawyer about Farid", False)
    second = await casework.http.post(
        path, json={"title": "Book the OFII visit", "assignee": "lea"}, headers=CASEWORKER
    )
    assert second.status_code == 201, second.text

    done = await casework.http.post(f"/tasks/{first.json()['id']}/complete", headers=CASEWORKER)
    assert done.status_code == 200, done.text
    assert done.json()["done"] is True
    twice = await casework.http.post(f"/tasks/{first.json()['id']}/complete", headers=CASEWORKER)
    assert twice.status_code == 409
    assert "completed already" in twice.json()["detail"]

    listed = (await casework.http.get(path, headers=CASEWORKER)).json()
    assert [(t["title"], t["done"]) for t in listed] == [
        ("Book the OFII visit", False),
        ("Call the lawyer about Farid", True),
    ]
    assert (await casework.http.get(path, headers=ELSEWHERE)).status_code == 404
    stranger = await casework.http.post(f"/tasks/{second.json()['id']}/complete", headers=ELSEWHERE)
    assert stranger.status_code == 404
    assert (
        await casework.http.post(path, json={"title": ""}, headers=CASEWORKER)
    ).status_code == 422
    assert [t for t in await event_types(casework) if "task" in t] == [
        "casework.task_added.v1",
        "casework.task_added.v1",
        "casework.task_completed.v1",
    ]
    assert "Call the lawyer" not in await everything_stored(casework)


async def test_notes_stay_with_the_owning_organisation_and_never_in_clear(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    person_id = await person(client, casework)
    case = await open_case(casework, person_id, "asylum")
    path = f"/cases/{case['id']}/notes"
    secret = "Farid fears returning to Kabul: his brother was threatened there."
    first = await casework.http.post(path, json={"text": "First meeting."}, headers=CASEWORKER)
    assert first.status_code == 201, first.text
    added = await casework.http.post(path, json={"text": secret}, headers=CASEWORKER)
    assert added.status_code == 201, added.text
    assert added.json()["text"] == secret

    notes = (await casework.http.get(path, headers=CASEWORKER)).json()
    assert [n["text"] for n in notes] == [secret, "First meeting."], "newest first"

    assert (await casework.http.get(path, headers=ELSEWHERE)).status_code == 404
    written = await casework.http.post(path, json={"text": "x"}, headers=ELSEWHERE)
    assert written.status_code == 404
    await refer_case_to_cimade(client, casework, person_id, case)
    assert (
        await casework.http.get(f"/cases/{case['id']}/tasks", headers=AT_CIMADE)
    ).status_code == 200, "the partner works on the case"
    assert (await casework.http.get(path, headers=AT_CIMADE)).status_code == 403
    assert (
        await casework.http.post(path, json={"text": "x"}, headers=AT_CIMADE)
    ).status_code == 403
    assert (
        await casework.http.get(path, headers=token("city-other", "coordinator"))
    ).status_code == 403

    stored = await everything_stored(casework)
    assert "Kabul" not in stored
    assert "brother was threatened" not in stored
    table = casework.casework.runtime.outbox.table
    async with casework.casework.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.envelope).where(table.c.type == "casework.note_added.v1")
        )
        published = [json.loads(raw)["data"] for raw in rows.scalars()]
    assert len(published) == 2
    assert all(data["text"].startswith("enc:v1:") for data in published)
    assert {data["organisation_id"] for data in published} == {CITY}


async def test_the_document_checklist_follows_the_procedure(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "asylum")
    path = f"/cases/{case['id']}/documents"
    checklist = casework.casework.procedures.get("asylum").checklist
    expiring = next(item for item in checklist if item.expires)
    other = next(item for item in checklist if item.id != expiring.id)

    listed = (await casework.http.get(path, headers=CASEWORKER)).json()
    assert [d["item"] for d in listed] == [item.id for item in checklist]
    assert {d["status"] for d in listed} == {"needed"}
    assert not any(d["expiring"] for d in listed)

    today = casework.casework.clock().date()
    soon = (today + timedelta(days=10)).isoformat()
    recorded = await casework.http.put(
        f"{path}/{expiring.id}", json={"status": "received", "expires_on": soon}, headers=CASEWORKER
    )
    assert recorded.status_code == 200, recorded.text
    later = (today + timedelta(days=200)).isoformat()
    kept = await casework.http.put(
        f"{path}/{other.id}", json={"status": "received", "expires_on": later}, headers=CASEWORKER
    )
    assert kept.status_code == 200, kept.text

    by_item = {d["item"]: d for d in (await casework.http.get(path, headers=CASEWORKER)).json()}
    assert (by_item[expiring.id]["status"], by_item[expiring.id]["expires_on"]) == (
        "received",
        soon,
    )
    assert by_item[expiring.id]["expiring"] is True
    assert (by_item[other.id]["status"], by_item[other.id]["expiring"]) == ("received", False)
    assert by_item[expiring.id]["updated_by"] == "lea"

    unknown = await casework.http.put(
        f"{path}/horoscope", json={"status": "received"}, headers=CASEWORKER
    )
    assert unknown.status_code == 422
    assert "horoscope" in unknown.json()["detail"]
    assert (await casework.http.get(path, headers=ELSEWHERE)).status_code == 404
    stranger = await casework.http.put(
        f"{path}/{expiring.id}", json={"status": "needed"}, headers=ELSEWHERE
    )
    assert stranger.status_code == 404
    table = casework.casework.runtime.outbox.table
    async with casework.casework.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.envelope)
            .where(table.c.type == "casework.document_recorded.v1")
            .order_by(table.c.seq)
        )
        data = [json.loads(raw)["data"] for raw in rows.scalars()]
    assert [(d["document_id"], d["status"], d["expires_on"]) for d in data] == [
        (expiring.id, "received", soon),
        (other.id, "received", later),
    ]


async def test_a_case_without_a_procedure_has_no_checklist_yet(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    person_id = await person(client, casework)
    await partner_with_consent(client, person_id)
    referred = await client.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": CIMADE, "service": "legal_support"},
        headers=DESK,
    )
    assert referred.status_code == 201, referred.text
    await casework.sync()
    accepted = await casework.http.post(
        f"/referrals/incoming/{referred.json()['id']}/accept", headers=AT_CIMADE
    )
    assert accepted.status_code == 200, accepted.text
    [case] = (await casework.http.get("/cases", headers=AT_CIMADE)).json()["items"]
    assert case["case_type"] is None
    path = f"/cases/{case['id']}/documents"
    assert (await casework.http.get(path, headers=AT_CIMADE)).json() == []
    refused = await casework.http.put(
        f"{path}/identity_document", json={"status": "received"}, headers=AT_CIMADE
    )
    assert refused.status_code == 409
    assert "procedure" in refused.json()["detail"]
