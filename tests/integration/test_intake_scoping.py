"""Every intake endpoint, tried by another organisation, refuses to read or change a person
it may not see (object-level authorisation; real PostgreSQL). A new endpoint fails this test
until it is listed here."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from services.intake.app import create_app
from services.intake.bootstrap import Intake
from tests.integration.conftest import token

pytestmark = pytest.mark.integration

CITY, CIMADE = "city-montreuil", "assoc-la-cimade"
DESK = token(CITY, "intake", "caseworker")
# every role a partner organisation's staff can hold, short of coordinator (who sees everyone)
OTHER = token("assoc-other", "intake", "caseworker", "housing_officer", "auditor")

NOT_ABOUT_A_PERSON = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/persons"),  # registers in the caller's own organisation
    ("GET", "/partners"),  # the directory of partner organisations
    ("POST", "/partners"),
    ("GET", "/partners/{partner_id}"),
    ("GET", "/internal/keys/{person_id}"),  # services only: test_intake_keys.py
}


def operations(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    }


@pytest.fixture
async def ids(client: httpx.AsyncClient) -> dict[str, str]:
    """A person of the city with one of everything: consent, referral, hold, household,
    needs assessment, and a merge."""
    coordinator = token(CITY, "coordinator")
    partner = {"id": CIMADE, "name": "La Cimade", "services": ["legal_support"]}
    assert (await client.post("/partners", json=partner, headers=coordinator)).status_code == 201
    person = (await client.post("/persons", json={"chosen_name": "Farid"}, headers=DESK)).json()
    twin = (await client.post("/persons", json={"chosen_name": "Farid B"}, headers=DESK)).json()
    person_id = person["id"]
    consent = await client.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": CIMADE},
        headers=DESK,
    )
    referral = await client.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": CIMADE, "service": "legal_support"},
        headers=DESK,
    )
    hold = await client.post(
        f"/persons/{person_id}/legal-holds", json={"reason": "appeal pending"}, headers=DESK
    )
    household = await client.post(
        "/households", json={"reference_person_id": person_id}, headers=DESK
    )
    merge = await client.post(
        f"/persons/{person_id}/merges",
        json={"duplicate_id": twin["id"], "reason": "the same person, registered twice"},
        headers=DESK,
    )
    made = [consent, referral, hold, household, merge]
    assert all(r.status_code == 201 for r in made), [r.text for r in made]
    return {
        "person_id": person_id,
        "consent_id": consent.json()["id"],
        "referral_id": referral.json()["id"],
        "hold_id": hold.json()["id"],
        "household_id": household.json()["id"],
        "merge_id": merge.json()["id"],
    }


def attempts(ids: dict[str, str]) -> dict[tuple[str, str], list[tuple[str, dict | None]]]:
    """For each operation: the concrete calls another organisation tries."""
    p = ids["person_id"]
    return {
        ("GET", "/persons"): [],  # checked apart: answers, but lists nobody
        ("GET", "/persons/{person_id}"): [(f"/persons/{p}", None)],
        ("PATCH", "/persons/{person_id}"): [(f"/persons/{p}", {"chosen_name": "X"})],
        ("GET", "/persons/{person_id}/history"): [(f"/persons/{p}/history", None)],
        ("GET", "/persons/{person_id}/duplicates"): [(f"/persons/{p}/duplicates", None)],
        ("POST", "/persons/{person_id}/legal-holds"): [
            (f"/persons/{p}/legal-holds", {"reason": "to block the erasure"})
        ],
        ("POST", "/persons/{person_id}/legal-holds/{hold_id}/lift"): [
            (f"/persons/{p}/legal-holds/{ids['hold_id']}/lift", None)
        ],
        ("POST", "/persons/{person_id}/erasure"): [(f"/persons/{p}/erasure", None)],
        ("GET", "/persons/{person_id}/export"): [(f"/persons/{p}/export", None)],
        ("GET", "/persons/{person_id}/consents"): [(f"/persons/{p}/consents", None)],
        ("POST", "/persons/{person_id}/consents"): [
            (f"/persons/{p}/consents", {"purpose": "sms_reminders"})
        ],
        ("POST", "/persons/{person_id}/consents/{consent_id}/withdraw"): [
            (f"/persons/{p}/consents/{ids['consent_id']}/withdraw", None)
        ],
        ("GET", "/persons/{person_id}/referrals"): [(f"/persons/{p}/referrals", None)],
        ("POST", "/persons/{person_id}/referrals"): [
            (
                f"/persons/{p}/referrals",
                {"partner_id": CIMADE, "service": "legal_support", "override_reason": "x" * 12},
            )
        ],
        ("POST", "/referrals/{referral_id}/{action}"): [
            (f"/referrals/{ids['referral_id']}/{action}", {"reason": "not ours"})
            for action in ("accept", "decline", "complete", "revoke")
        ],
        ("POST", "/households"): [("/households", {"reference_person_id": p})],
        ("GET", "/households/{household_id}"): [(f"/households/{ids['household_id']}", None)],
        ("PUT", "/households/{household_id}"): [
            (f"/households/{ids['household_id']}", {"version": 1, "members": []})
        ],
        ("GET", "/persons/{person_id}/household"): [(f"/persons/{p}/household", None)],
        ("GET", "/persons/{person_id}/needs-assessments"): [
            (f"/persons/{p}/needs-assessments", None)
        ],
        ("POST", "/persons/{person_id}/needs-assessments"): [
            (f"/persons/{p}/needs-assessments", {"needs": [{"area": "food_aid"}]})
        ],
        ("GET", "/persons/{person_id}/merges"): [(f"/persons/{p}/merges", None)],
        ("POST", "/persons/{person_id}/merges"): [
            (f"/persons/{p}/merges", {"duplicate_id": p, "reason": "an attempt from outside"})
        ],
        ("POST", "/merges/{merge_id}/split"): [
            (f"/merges/{ids['merge_id']}/split", {"reason": "an attempt from outside"})
        ],
    }


async def test_every_endpoint_refuses_another_organisation(
    client: httpx.AsyncClient, intake: Intake, ids: dict[str, str]
) -> None:
    tried = attempts(ids)
    assert operations(create_app(intake)) == set(tried) | NOT_ABOUT_A_PERSON, (
        "an endpoint is missing from this test: say how another organisation is refused"
    )
    for (method, _template), calls in tried.items():
        for path, body in calls:
            response = await client.request(method, path, json=body, headers=OTHER)
            assert response.status_code in (403, 404), (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert "Farid" not in response.text

    listed = await client.get("/persons", headers=OTHER)
    assert listed.status_code == 200
    assert listed.json()["total"] == 0
    # nothing changed: the person is as the city left them
    person = (await client.get(f"/persons/{ids['person_id']}", headers=DESK)).json()
    assert person["chosen_name"] == "Farid"
    holds = (await client.get(f"/persons/{ids['person_id']}/export", headers=DESK)).json()
    assert [h["lifted_at"] for h in holds["legal_holds"]] == [None]
