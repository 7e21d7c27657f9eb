"""Needs assessments and households, with health flags only under consent (real PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import select

from services.intake.bootstrap import Intake
from services.intake.models import outbox_table
from shared.crypto import decrypt_field
from tests.integration.conftest import token

pytestmark = pytest.mark.integration

CITY, CIMADE = "city-montreuil", "assoc-la-cimade"
DESK = token(CITY, "intake", "caseworker")
OTHER = token("assoc-other", "intake", "caseworker", "housing_officer")
COORDINATOR = token(CITY, "coordinator")


async def register(client: httpx.AsyncClient, name: str) -> str:
    response = await client.post("/persons", json={"chosen_name": name}, headers=DESK)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def envelopes(intake: Intake) -> list[dict]:
    async with intake.runtime.sessions() as session:
        rows = await session.execute(select(outbox_table.c.envelope).order_by(outbox_table.c.seq))
        return [json.loads(e) for e in rows.scalars()]


async def consent_to_health(client: httpx.AsyncClient, person_id: str) -> str:
    given = await client.post(
        f"/persons/{person_id}/consents", json={"purpose": "health_information"}, headers=DESK
    )
    assert given.status_code == 201, given.text
    return str(given.json()["id"])


async def test_a_needs_assessment_suggests_partners_and_keeps_notes_encrypted(
    client: httpx.AsyncClient, intake: Intake
) -> None:
    partner = {"id": CIMADE, "name": "La Cimade", "services": ["legal_support"]}
    assert (await client.post("/partners", json=partner, headers=COORDINATOR)).status_code == 201
    person_id = await register(client, "Samir")
    assessed = await client.post(
        f"/persons/{person_id}/needs-assessments",
        json={
            "needs": [
                {"area": "legal_support", "urgency": "urgent"},
                {"area": "emergency_shelter", "urgency": "soon"},
            ],
            "nights_without_shelter": 12,
            "notes": "sleeps near the Croix-de-Chavaux station",
        },
        headers=DESK,
    )
    assert assessed.status_code == 201, assessed.text
    body = assessed.json()
    assert body["notes"] == "sleeps near the Croix-de-Chavaux station"
    assert body["suggested_partners"] == [
        {"area": "legal_support", "partner_id": CIMADE, "partner_name": "La Cimade"}
    ]
    later = await client.post(
        f"/persons/{person_id}/needs-assessments",
        json={"needs": [{"area": "french_course"}]},
        headers=DESK,
    )
    listed = (await client.get(f"/persons/{person_id}/needs-assessments", headers=DESK)).json()
    assert [a["id"] for a in listed] == [later.json()["id"], body["id"]], "newest first"

    event = next(e for e in await envelopes(intake) if e["type"] == "intake.needs_assessed.v1")
    assert event["data"]["needs"] == {"legal_support": "urgent", "emergency_shelter": "soon"}
    assert event["data"]["notes"].startswith("enc:v1:")
    assert "Chavaux" not in json.dumps(await envelopes(intake))

    twice = await client.post(
        f"/persons/{person_id}/needs-assessments",
        json={"needs": [{"area": "food_aid"}, {"area": "food_aid", "urgency": "urgent"}]},
        headers=DESK,
    )
    assert twice.status_code == 422
    assert "needs" in twice.text
    assert "once" in twice.text
    assert (
        await client.get(f"/persons/{person_id}/needs-assessments", headers=OTHER)
    ).status_code == 404
    refused = await client.post(
        f"/persons/{person_id}/needs-assessments",
        json={"needs": [{"area": "food_aid"}]},
        headers=OTHER,
    )
    assert refused.status_code == 404


def years_ago(years: int) -> str:
    today = datetime.now(UTC).date()
    # the day before today's date `years` ago: the birthday has just passed
    return date(today.year - years, today.month, 1).isoformat()


async def test_a_household_with_dependants_and_childrens_ages(
    client: httpx.AsyncClient, intake: Intake
) -> None:
    mother, father = await register(client, "Awa"), await register(client, "Moussa")
    formed = await client.post(
        "/households",
        json={
            "reference_person_id": mother,
            "members": [
                {"person_id": father, "relationship": "partner"},
                {"relationship": "child", "dependant": True, "birth_date": years_ago(7)},
                {"relationship": "child", "dependant": True, "birth_year": 2026},
                {"relationship": "parent", "dependant": True},
            ],
        },
        headers=DESK,
    )
    assert formed.status_code == 201, formed.text
    household = formed.json()
    assert household["size"] == 5
    assert household["children_ages"] == [7, datetime.now(UTC).year - 2026]
    assert household["version"] == 1
    assert (await client.get(f"/persons/{father}/household", headers=DESK)).json()[
        "id"
    ] == household["id"]

    event = next(e for e in await envelopes(intake) if e["type"] == "intake.household_composed.v1")
    assert event["subject"] == mother
    assert event["data"]["composition"].startswith("enc:v1:")
    assert father not in json.dumps(event["data"]), "who lives with whom travels encrypted"

    again = await client.post(
        "/households",
        json={"reference_person_id": father, "members": []},
        headers=DESK,
    )
    assert again.status_code == 409
    assert "another household" in again.json()["detail"]

    for probe in (
        client.get(f"/households/{household['id']}", headers=OTHER),
        client.get(f"/persons/{mother}/household", headers=OTHER),
        client.put(
            f"/households/{household['id']}", json={"version": 1, "members": []}, headers=OTHER
        ),
    ):
        assert (await probe).status_code == 404


async def test_health_flags_need_consent_and_leave_with_it(
    client: httpx.AsyncClient, intake: Intake
) -> None:
    mother = await register(client, "Awa")
    pregnant = {"reference_person_id": mother, "flags": {"pregnant": True}, "members": []}
    refused = await client.post("/households", json=pregnant, headers=DESK)
    assert refused.status_code == 409
    assert "health_information" in refused.json()["detail"]

    consent_id = await consent_to_health(client, mother)
    child = {"relationship": "child", "dependant": True, "flags": {"health_condition": True}}
    formed = await client.post("/households", json={**pregnant, "members": [child]}, headers=DESK)
    assert formed.status_code == 201, formed.text
    assert formed.json()["flags"]["pregnant"] is True
    assert formed.json()["members"][0]["flags"]["health_condition"] is True

    withdrawn = await client.post(f"/persons/{mother}/consents/{consent_id}/withdraw", headers=DESK)
    assert withdrawn.status_code == 200
    after = (await client.get(f"/persons/{mother}/household", headers=DESK)).json()
    assert after["flags"] is None
    assert after["members"][0]["flags"] is None
    assert after["version"] == 2, "clearing the flags is a change of composition"


async def test_concurrent_changes_of_a_household_one_wins(client: httpx.AsyncClient) -> None:
    mother = await register(client, "Awa")
    formed = await client.post("/households", json={"reference_person_id": mother}, headers=DESK)
    household_id = formed.json()["id"]
    one_child = {"version": 1, "members": [{"relationship": "child", "birth_year": 2020}]}
    first = await client.put(f"/households/{household_id}", json=one_child, headers=DESK)
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = await client.put(
        f"/households/{household_id}", json={"version": 1, "members": []}, headers=DESK
    )
    assert stale.status_code == 409
    assert "version 1" in stale.json()["detail"]
    assert (
        len((await client.get(f"/households/{household_id}", headers=DESK)).json()["members"]) == 1
    )


async def test_erasure_takes_a_member_out_and_dissolves_the_household_of_its_reference(
    client: httpx.AsyncClient, intake: Intake
) -> None:
    eraser = token(CITY, "intake")
    mother, father = await register(client, "Awa"), await register(client, "Moussa")
    household = (
        await client.post(
            "/households",
            json={
                "reference_person_id": mother,
                "members": [
                    {
                        "person_id": father,
                        "relationship": "partner",
                        "birth_date": "1988-07-14",
                    },
                    {"relationship": "child", "birth_year": 2019},
                ],
            },
            headers=DESK,
        )
    ).json()
    assert (await client.post(f"/persons/{father}/erasure", headers=eraser)).status_code == 200
    # every version of the household ever published, opened with the mother's living key:
    # the father's own details were sealed with his key, gone with it
    async with intake.runtime.sessions() as session:
        mother_key = await intake.keys.get(session, mother)
    versions = [
        json.loads(
            decrypt_field(
                mother_key, e["data"]["composition"], aad=f"{mother}:household:{household['id']}"
            )
        )
        for e in await envelopes(intake)
        if e["type"] == "intake.household_composed.v1"
    ]
    assert len(versions) == 2
    assert "1988-07-14" not in json.dumps(versions)
    assert "sealed" in versions[0]["members"][0]
    left = (await client.get(f"/households/{household['id']}", headers=DESK)).json()
    assert [m["relationship"] for m in left["members"]] == ["child"]
    assert left["version"] == 2

    export = (await client.get(f"/persons/{mother}/export", headers=DESK)).json()
    assert export["household"]["id"] == household["id"]

    assert (await client.post(f"/persons/{mother}/erasure", headers=eraser)).status_code == 200
    assert (await client.get(f"/households/{household['id']}", headers=DESK)).status_code == 404
    types = [e["type"] for e in await envelopes(intake)]
    assert types.count("intake.household_dissolved.v1") == 1


async def test_a_partner_reads_neither_the_household_nor_consents_naming_others(
    client: httpx.AsyncClient,
) -> None:
    coordinator = token(CITY, "coordinator")
    for partner_id in (CIMADE, "assoc-gisti"):
        body = {"id": partner_id, "name": partner_id, "services": ["legal_support"]}
        await client.post("/partners", json=body, headers=coordinator)
    mother, father = await register(client, "Awa"), await register(client, "Moussa")
    await client.post(
        "/households",
        json={
            "reference_person_id": mother,
            "members": [{"person_id": father, "relationship": "partner"}],
        },
        headers=DESK,
    )
    consents = {}
    for partner_id in (CIMADE, "assoc-gisti"):
        given = await client.post(
            f"/persons/{mother}/consents",
            json={"purpose": "share_with_partner", "partner_id": partner_id},
            headers=DESK,
        )
        consents[partner_id] = given.json()["id"]
    referred = await client.post(
        f"/persons/{mother}/referrals",
        json={"partner_id": CIMADE, "service": "legal_support"},
        headers=DESK,
    )
    assert referred.status_code == 201
    partner = token(CIMADE, "caseworker")
    assert (await client.get(f"/persons/{mother}", headers=partner)).status_code == 200
    assert (await client.get(f"/persons/{mother}/household", headers=partner)).status_code == 403
    seen = (await client.get(f"/persons/{mother}/consents", headers=partner)).json()
    assert [c["partner_id"] for c in seen] == [CIMADE], "not who else the person shares with"
    others = await client.post(
        f"/persons/{mother}/consents/{consents['assoc-gisti']}/withdraw", headers=partner
    )
    assert others.status_code == 404


async def test_a_household_member_cannot_be_its_reference_and_filters_need_a_time_zone(
    client: httpx.AsyncClient,
) -> None:
    mother = await register(client, "Awa")
    formed = await client.post("/households", json={"reference_person_id": mother}, headers=DESK)
    twice = await client.put(
        f"/households/{formed.json()['id']}",
        json={"version": 1, "members": [{"person_id": mother, "relationship": "other"}]},
        headers=DESK,
    )
    assert twice.status_code == 422
    assert "reference" in twice.json()["detail"]
    naive = await client.get("/persons?registered_from=2024-01-01T00:00:00", headers=DESK)
    assert naive.status_code == 422
    assert "registered_from" in naive.text
