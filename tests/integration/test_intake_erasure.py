"""Erasure by crypto-shredding, legal holds, and the GDPR art. 15 export (real PostgreSQL)."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select, text

from services.intake.bootstrap import Intake
from services.intake.models import outbox_table
from services.intake.queries.keys import KeyErased as PersonErased
from shared.outbox import verify_log
from tests.integration.conftest import token

pytestmark = pytest.mark.integration

CITY, ASSOCIATION = "city-montreuil", "assoc-la-cimade"
CANARY = "Zyxwvu Canarynom"


STAFF = token(CITY, "intake", "caseworker")


async def registered(client: httpx.AsyncClient) -> str:
    body = {"chosen_name": CANARY, "phone": "06 12 34 56 78", "birth_year": 1990}
    response = await client.post("/persons", json=body, headers=STAFF)
    assert response.status_code == 201
    return str(response.json()["id"])


async def test_after_erasure_nothing_personal_is_readable_and_the_chain_holds(
    client: httpx.AsyncClient, intake: Intake
) -> None:
    person_id = await registered(client)
    exported = await client.get(f"/persons/{person_id}/export", headers=STAFF)
    assert exported.status_code == 200
    assert exported.json()["person"]["chosen_name"] == CANARY
    assert [e["type"] for e in exported.json()["events"]] == ["intake.person_registered.v1"]

    erased = await client.post(f"/persons/{person_id}/erasure", headers=STAFF)
    assert erased.status_code == 200

    shown = (await client.get(f"/persons/{person_id}", headers=STAFF)).json()
    assert shown["chosen_name"] == "[erased]"
    assert shown["phone"] is None
    refused = await client.get(f"/persons/{person_id}/export", headers=STAFF)
    assert refused.status_code == 410
    assert refused.headers["content-type"] == "application/problem+json"

    async with intake.runtime.sessions() as session:
        row = (await session.execute(text("SELECT * FROM persons"))).one()
        assert CANARY not in " ".join(map(str, row))
        assert (await session.execute(text("SELECT count(*) FROM person_keys"))).scalar() == 0
        with pytest.raises(PersonErased):
            await intake.keys.get(session, person_id)
        envelopes = (await session.execute(select(outbox_table.c.envelope))).scalars().all()
        registered_event = json.loads(envelopes[0])
        assert registered_event["type"] == "intake.person_registered.v1"
        assert registered_event["data"]["chosen_name"].startswith("enc:v1:"), "only ciphertext"
        assert [json.loads(e)["type"] for e in envelopes][-1] == "intake.person_erased.v1"
        assert all(CANARY not in e for e in envelopes)
        assert (await verify_log(session, outbox_table, "intake.events")).ok

    again = await client.post(f"/persons/{person_id}/erasure", headers=STAFF)
    assert again.status_code == 409


async def test_a_legal_hold_blocks_erasure_until_it_is_lifted(client: httpx.AsyncClient) -> None:
    person_id = await registered(client)
    hold = await client.post(
        f"/persons/{person_id}/legal-holds", json={"reason": "appeal pending"}, headers=STAFF
    )
    assert hold.status_code == 201
    blocked = await client.post(f"/persons/{person_id}/erasure", headers=STAFF)
    assert blocked.status_code == 409
    assert "legal hold" in blocked.json()["detail"]

    hold_id = hold.json()["id"]
    lifted = await client.post(f"/persons/{person_id}/legal-holds/{hold_id}/lift", headers=STAFF)
    assert lifted.status_code == 200
    assert lifted.json()["lifted_at"] is not None
    twice = await client.post(f"/persons/{person_id}/legal-holds/{hold_id}/lift", headers=STAFF)
    assert twice.status_code == 409
    assert (await client.post(f"/persons/{person_id}/erasure", headers=STAFF)).status_code == 200
    late = await client.post(
        f"/persons/{person_id}/legal-holds", json={"reason": "too late"}, headers=STAFF
    )
    assert late.status_code == 409


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/persons/{id}", None),
        ("GET", "/persons/{id}/duplicates", None),
        ("GET", "/persons/{id}/export", None),
        ("POST", "/persons/{id}/legal-holds", {"reason": "appeal pending"}),
        ("POST", "/persons/{id}/erasure", None),
    ],
)
async def test_another_organisation_can_neither_read_nor_change_the_person(
    client: httpx.AsyncClient, method: str, path: str, body: dict | None
) -> None:
    person_id = await registered(client)
    url = path.format(id=person_id)
    other = token(ASSOCIATION, "intake", "caseworker")
    response = await client.request(method, url, json=body, headers=other)
    assert response.status_code == 404
    assert CANARY not in response.text
    auditor = await client.request(method, url, json=body, headers=token(CITY, "auditor"))
    assert auditor.status_code == 403
    still = (await client.get(f"/persons/{person_id}", headers=STAFF)).json()
    assert still["chosen_name"] == CANARY, "nothing was changed"


async def test_erasure_also_removes_what_staff_wrote_about_the_person(
    client: httpx.AsyncClient, intake: Intake
) -> None:
    coordinator = token(CITY, "coordinator")
    partner = {"id": "assoc-x", "name": "Asso X", "services": ["legal_support"]}
    assert (await client.post("/partners", json=partner, headers=coordinator)).status_code == 201
    person_id = await registered(client)
    hold = await client.post(
        f"/persons/{person_id}/legal-holds", json={"reason": f"appeal of {CANARY}"}, headers=STAFF
    )
    await client.post(f"/persons/{person_id}/legal-holds/{hold.json()['id']}/lift", headers=STAFF)
    referral = await client.post(
        f"/persons/{person_id}/referrals",
        json={
            "partner_id": "assoc-x",
            "service": "legal_support",
            "override_reason": f"{CANARY} must see a lawyer today",
        },
        headers=coordinator,
    )
    assert referral.status_code == 201
    exported = (await client.get(f"/persons/{person_id}/export", headers=STAFF)).json()
    assert [r["id"] for r in exported["referrals"]] == [referral.json()["id"]]
    assert len(exported["legal_holds"]) == 1
    assert exported["consents"] == []
    renamed = await client.patch(
        f"/persons/{person_id}", json={"chosen_name": "Another Name"}, headers=STAFF
    )
    assert renamed.status_code == 200

    assert (await client.post(f"/persons/{person_id}/erasure", headers=STAFF)).status_code == 200
    async with intake.runtime.sessions() as session:
        for table in ("legal_holds", "referrals", "persons"):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            assert rows, table
            assert all(CANARY not in " ".join(map(str, row)) for row in rows), table
        versions = await session.execute(text("SELECT count(*) FROM person_versions"))
        assert versions.scalar() == 0, "the history goes with the person"
