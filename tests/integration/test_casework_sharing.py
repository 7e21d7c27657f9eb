"""Referring a case to a partner and transferring its ownership need the person's consent;
withdrawing it ends the partner's access (real PostgreSQL, intake's events through casework's
consumer)."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from tests.integration.conftest import CaseworkWorld, token
from tests.integration.test_casework_cases import CASEWORKER, DESK, open_case, person

pytestmark = pytest.mark.integration

CIMADE, GISTI = "assoc-la-cimade", "assoc-gisti"
AT_CIMADE = token(CIMADE, "caseworker", user="ines")
AT_GISTI = token(GISTI, "caseworker", user="yann")
ELSEWHERE = token("assoc-other", "caseworker")


async def consent(client: httpx.AsyncClient, person_id: str, partner: str) -> str:
    for organisation in (CIMADE, GISTI):
        await client.post(
            "/partners",
            json={"id": organisation, "name": organisation, "services": ["legal_support"]},
            headers=token("city-montreuil", "coordinator"),
        )
    given = await client.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": partner},
        headers=DESK,
    )
    assert given.status_code == 201, given.text
    return str(given.json()["id"])


async def offer(casework: CaseworkWorld, case: dict, to: str, kind: str) -> httpx.Response:
    return await casework.http.post(
        f"/cases/{case['id']}/shares",
        json={"organisation_id": to, "kind": kind},
        headers=CASEWORKER,
    )


async def answer(
    casework: CaseworkWorld, share_id: str, action: str, headers: dict
) -> httpx.Response:
    return await casework.http.post(f"/shares/{share_id}/{action}", headers=headers)


async def test_a_referral_and_a_transfer_need_consent_and_withdrawal_ends_access(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    person_id = await person(client, casework)
    case = await open_case(casework, person_id, "asylum")
    path = f"/cases/{case['id']}"

    refused = await offer(casework, case, CIMADE, "referral")
    assert refused.status_code == 409
    assert "consented" in refused.json()["detail"]
    assert (await offer(casework, case, GISTI, "transfer")).status_code == 409

    cimade_consent = await consent(client, person_id, CIMADE)
    await consent(client, person_id, GISTI)
    await casework.sync()

    referral = await offer(casework, case, CIMADE, "referral")
    assert referral.status_code == 201, referral.text
    assert (await casework.http.get(path, headers=AT_CIMADE)).status_code == 404, "offered only"
    waiting = (await casework.http.get("/shares", headers=AT_CIMADE)).json()
    assert [s["id"] for s in waiting] == [referral.json()["id"]]
    accepted = await answer(casework, referral.json()["id"], "accept", AT_CIMADE)
    assert accepted.status_code == 200, accepted.text
    assert (await casework.http.get(path, headers=AT_CIMADE)).status_code == 200
    listed = (await casework.http.get("/cases", headers=AT_CIMADE)).json()
    assert [c["id"] for c in listed["items"]] == [case["id"]]
    assert (await casework.http.get(path, headers=ELSEWHERE)).status_code == 404
    partner_moves = await casework.http.post(
        f"{path}/transitions",
        json={"to": "closed", "on": "2026-03-02", "version": 1},
        headers=AT_CIMADE,
    )
    assert partner_moves.status_code == 403, "the partner reads; ownership stays"

    transfer = await offer(casework, case, GISTI, "transfer")
    assert transfer.status_code == 201, transfer.text
    assert (await answer(casework, transfer.json()["id"], "accept", AT_CIMADE)).status_code == 404
    taken = await answer(casework, transfer.json()["id"], "accept", AT_GISTI)
    assert taken.status_code == 200, taken.text
    owned = (await casework.http.get(path, headers=AT_GISTI)).json()
    assert owned["organisation_id"] == GISTI
    assert owned["assignee"] is None
    assert (await casework.http.get(path, headers=CASEWORKER)).status_code == 404, (
        "the former owner lets the case go"
    )
    assert (await casework.http.get(path, headers=AT_CIMADE)).status_code == 200, (
        "the referral the person consented to still stands"
    )

    withdrawn = await client.post(
        f"/persons/{person_id}/consents/{cimade_consent}/withdraw", headers=DESK
    )
    assert withdrawn.status_code == 200
    await casework.sync()
    assert (await casework.http.get(path, headers=AT_CIMADE)).status_code == 404
    assert (await casework.http.get("/cases", headers=AT_CIMADE)).json()["total"] == 0
    shares = (await casework.http.get(f"{path}/shares", headers=AT_GISTI)).json()
    assert {(s["organisation_id"], s["kind"], s["status"]) for s in shares} == {
        (CIMADE, "referral", "revoked"),
        (GISTI, "transfer", "accepted"),
    }
    table = casework.casework.runtime.outbox.table
    async with casework.casework.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.envelope).where(table.c.type == "casework.case_share_revoked.v1")
        )
        [revoked] = [json.loads(e)["data"] for e in rows.scalars()]
    assert revoked["cause"] == "consent_withdrawn"
    assert revoked["to_organisation"] == CIMADE


async def test_offers_are_answered_once_and_only_by_their_organisation(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    person_id = await person(client, casework)
    case = await open_case(casework, person_id, "ame")
    await consent(client, person_id, CIMADE)
    await casework.sync()
    share = (await offer(casework, case, CIMADE, "referral")).json()
    assert (await offer(casework, case, CIMADE, "referral")).status_code == 409, "one at a time"
    assert (await answer(casework, share["id"], "accept", ELSEWHERE)).status_code == 404
    declined_without_reason = await answer(casework, share["id"], "decline", AT_CIMADE)
    assert declined_without_reason.status_code == 422
    declined = await casework.http.post(
        f"/shares/{share['id']}/decline", json={"reason": "no capacity"}, headers=AT_CIMADE
    )
    assert declined.status_code == 200
    assert (await answer(casework, share["id"], "accept", AT_CIMADE)).status_code == 409
    assert (await casework.http.get(f"/cases/{case['id']}", headers=AT_CIMADE)).status_code == 404


async def test_one_transfer_at_a_time(client: httpx.AsyncClient, casework: CaseworkWorld) -> None:
    person_id = await person(client, casework)
    case = await open_case(casework, person_id, "naturalisation")
    await consent(client, person_id, CIMADE)
    await consent(client, person_id, GISTI)
    await casework.sync()
    assert (await offer(casework, case, GISTI, "transfer")).status_code == 201
    second = await offer(casework, case, CIMADE, "transfer")
    assert second.status_code == 409
    assert "transfer" in second.json()["detail"]
