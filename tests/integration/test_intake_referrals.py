"""Partners, consent per purpose and partner, and referrals that need it (real PostgreSQL)."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from services.intake.bootstrap import Intake
from services.intake.models import outbox_table
from tests.integration.conftest import token

pytestmark = pytest.mark.integration

CITY, CIMADE = "city-montreuil", "assoc-la-cimade"
DESK = token(CITY, "intake", "caseworker")
COORDINATOR = token(CITY, "coordinator")


@pytest.fixture
async def person_id(client: httpx.AsyncClient) -> str:
    for partner in (
        {
            "id": CIMADE,
            "name": "La Cimade",
            "services": ["legal_support", "administrative_help", "forum"],
        },
        {"id": "assoc-french", "name": "Cours de français", "services": ["french_course"]},
    ):
        created = await client.post("/partners", json=partner, headers=COORDINATOR)
        assert created.status_code == 201, created.text
    response = await client.post("/persons", json={"chosen_name": "Farid"}, headers=DESK)
    return str(response.json()["id"])


async def refer(
    client: httpx.AsyncClient, person_id: str, headers: dict, **extra: str
) -> httpx.Response:
    body = {"partner_id": CIMADE, "service": "legal_support", **extra}
    return await client.post(f"/persons/{person_id}/referrals", json=body, headers=headers)


async def event_types(intake: Intake) -> list[str]:
    async with intake.runtime.sessions() as session:
        rows = await session.execute(select(outbox_table.c.envelope).order_by(outbox_table.c.seq))
        return [json.loads(e)["type"] for e in rows.scalars()]


async def test_a_referral_needs_the_persons_consent_to_share_with_that_partner(
    client: httpx.AsyncClient, person_id: str, intake: Intake
) -> None:
    refused = await refer(client, person_id, DESK)
    assert refused.status_code == 409
    assert "consent" in refused.json()["detail"]

    consent = await client.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": CIMADE},
        headers=DESK,
    )
    assert consent.status_code == 201
    assert consent.json()["given_by"] == "desk"
    referred = await refer(client, person_id, DESK)
    assert referred.status_code == 201
    assert referred.json()["status"] == "requested"

    withdrawn = await client.post(
        f"/persons/{person_id}/consents/{consent.json()['id']}/withdraw", headers=DESK
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn_at"] is not None
    assert (await refer(client, person_id, DESK)).status_code == 409, "withdrawn: blocked again"
    assert "intake.consent_withdrawn.v1" in await event_types(intake)


async def test_a_coordinator_may_override_with_a_reason_and_it_is_recorded(
    client: httpx.AsyncClient, person_id: str, intake: Intake
) -> None:
    without_reason = await refer(client, person_id, COORDINATOR)
    assert without_reason.status_code == 409
    not_a_coordinator = await refer(
        client, person_id, DESK, override_reason="urgent: appeal deadline in two days"
    )
    assert not_a_coordinator.status_code == 409
    overridden = await refer(
        client, person_id, COORDINATOR, override_reason="urgent: appeal deadline in two days"
    )
    assert overridden.status_code == 201
    assert overridden.json()["override_reason"] == "urgent: appeal deadline in two days"
    types = await event_types(intake)
    assert types[-2:] == ["intake.consent_overridden.v1", "intake.referral_requested.v1"]


async def test_unknown_partners_and_services_are_client_errors(
    client: httpx.AsyncClient, person_id: str
) -> None:
    unknown = await client.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": "assoc-nowhere", "service": "legal_support"},
        headers=DESK,
    )
    assert unknown.status_code == 404
    await client.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": "assoc-french"},
        headers=DESK,
    )
    wrong_service = await client.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": "assoc-french", "service": "legal_support"},
        headers=DESK,
    )
    assert wrong_service.status_code == 409
    assert "does not provide" in wrong_service.json()["detail"]
    bad = await client.post(
        f"/persons/{person_id}/consents", json={"purpose": "share_with_partner"}, headers=DESK
    )
    assert bad.status_code == 422
    duplicate = await client.post(
        "/partners",
        json={"id": CIMADE, "name": "Again", "services": ["forum"]},
        headers=COORDINATOR,
    )
    assert duplicate.status_code == 409
    assert (await client.get("/partners/assoc-nowhere", headers=DESK)).status_code == 404
    assert (
        await client.post(
            "/partners", json={"id": "x-y", "name": "No", "services": ["forum"]}, headers=DESK
        )
    ).status_code == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/persons/{id}/consents", {"purpose": "sms_reminders"}),
        ("/persons/{id}/referrals", {"partner_id": CIMADE, "service": "legal_support"}),
    ],
)
async def test_another_organisation_cannot_consent_or_refer_for_the_person(
    client: httpx.AsyncClient, person_id: str, path: str, body: dict
) -> None:
    other = token(CIMADE, "intake", "caseworker")
    response = await client.post(path.format(id=person_id), json=body, headers=other)
    assert response.status_code == 404


async def test_a_referral_moves_only_as_its_states_allow(
    client: httpx.AsyncClient, person_id: str, intake: Intake
) -> None:
    await client.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": CIMADE},
        headers=DESK,
    )
    partner = token(CIMADE, "caseworker")

    async def move(referral: str, action: str, headers: dict, **body: str) -> httpx.Response:
        return await client.post(
            f"/referrals/{referral}/{action}", json=body or None, headers=headers
        )

    legal = (await refer(client, person_id, DESK)).json()["id"]
    for action, body in (("accept", {}), ("decline", {"reason": "no capacity"})):
        answered_elsewhere = await move(legal, action, partner, **body)
        assert answered_elsewhere.status_code == 409, "legal support is answered in casework"
        assert "casework inbox" in answered_elsewhere.json()["detail"]

    first = (await refer(client, person_id, DESK, service="forum")).json()["id"]
    assert (await move(first, "accept", DESK)).status_code == 404, "only the partner accepts"
    accepted = await move(first, "accept", partner)
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert (await move(first, "complete", partner)).json()["status"] == "completed"
    assert (await move(first, "revoke", DESK)).status_code == 409, "completed stays completed"

    second = (await refer(client, person_id, DESK, service="forum")).json()["id"]
    assert (await move(second, "decline", partner)).status_code == 422, "a decline needs a reason"
    assert (await move(second, "revoke", partner)).status_code == 404, "only the referrer revokes"
    assert (await move(second, "revoke", DESK)).json()["status"] == "revoked"
    refused = await move(second, "accept", partner)
    assert refused.status_code == 409
    assert "revoked" in refused.json()["detail"]

    third = (await refer(client, person_id, DESK, service="forum")).json()["id"]
    declined = await move(third, "decline", partner, reason="no capacity before March")
    assert declined.json()["status"] == "declined"
    assert declined.json()["status_reason"] == "no capacity before March"
    assert (await event_types(intake)).count("intake.referral_status_changed.v1") == 4
    assert (await move(third, "launch", partner)).status_code == 422


async def test_the_partner_reads_a_referred_person_while_consent_stands(
    client: httpx.AsyncClient, person_id: str
) -> None:
    partner = token(CIMADE, "intake", "caseworker")
    other = token("assoc-other", "intake", "caseworker")
    assert (await client.get(f"/persons/{person_id}", headers=partner)).status_code == 404
    consent = await client.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": CIMADE},
        headers=DESK,
    )
    assert (await client.get(f"/persons/{person_id}", headers=partner)).status_code == 404, (
        "consent alone shares nothing: a referral does"
    )
    assert (await refer(client, person_id, DESK)).status_code == 201

    read = await client.get(f"/persons/{person_id}", headers=partner)
    assert read.status_code == 200
    assert read.json()["chosen_name"] == "Farid"
    listed = await client.get("/persons", headers=partner)
    assert [p["id"] for p in listed.json()["items"]] == [person_id]
    assert (await client.get(f"/persons/{person_id}", headers=other)).status_code == 404
    assert (await client.get("/persons", headers=other)).json()["total"] == 0

    changed = await client.patch(
        f"/persons/{person_id}", json={"chosen_name": "F."}, headers=partner
    )
    assert changed.status_code == 403, "the partner reads; the registering organisation writes"
    assert (await client.get(f"/persons/{person_id}/export", headers=partner)).status_code == 403
    assert (await client.post(f"/persons/{person_id}/erasure", headers=partner)).status_code == 403

    withdrawn = await client.post(
        f"/persons/{person_id}/consents/{consent.json()['id']}/withdraw", headers=partner
    )
    assert withdrawn.status_code == 200, "the partner may record a withdrawal the person tells it"
    assert (await client.get(f"/persons/{person_id}", headers=partner)).status_code == 404
    assert (await client.get("/persons", headers=partner)).json()["total"] == 0
