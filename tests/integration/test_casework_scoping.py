"""Every casework endpoint, tried by an organisation that may not see the case, is refused;
a partner the case was referred to reads and works on it but never acts as its owner. A new
endpoint fails this test until it is listed here (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from services.casework.app import create_app
from tests.integration.conftest import CaseworkWorld, token
from tests.integration.test_casework_cases import CASEWORKER, DESK, open_case, person

pytestmark = pytest.mark.integration

CIMADE = "assoc-la-cimade"
PARTNER = token(CIMADE, "caseworker", user="ines")
# every role another organisation's staff can hold, short of coordinator (who sees everyone)
OTHER = token("assoc-other", "caseworker", "intake", "housing_officer", "auditor", user="eve")

NOT_ABOUT_A_CASE = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/cases"),  # opens a case for a person of the caller's own organisation
    ("GET", "/shares"),  # the offers made to the caller's own organisation
    ("GET", "/day"),  # the caller's own cases
    ("GET", "/procedures"),  # rule data, the same for everyone
    ("POST", "/deadline-rules/recompute"),  # coordinators: test_casework_deadlines.py
    ("GET", "/referrals/settings"),  # the caller's own organisation's: test_casework_incoming_…
    ("PUT", "/referrals/settings"),
}


def operations(app: FastAPI) -> set[tuple[str, str]]:
    return {(m.upper(), path) for path, item in app.openapi()["paths"].items() for m in item}


@pytest.fixture
async def ids(client: httpx.AsyncClient, casework: CaseworkWorld) -> dict[str, str]:
    """A city case with one of everything, referred to La Cimade with the person's consent."""
    casework.casework.clock = lambda: datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # before them
    person_id = await person(client, casework)
    await client.post(
        "/partners",
        json={"id": CIMADE, "name": "La Cimade", "services": ["legal_support"]},
        headers=token("city-montreuil", "coordinator"),
    )
    await client.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": CIMADE},
        headers=DESK,
    )
    referral = await client.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": CIMADE, "service": "legal_support"},
        headers=DESK,
    )
    assert referral.status_code == 201, referral.text
    await casework.sync()  # La Cimade receives the referral: nobody else may see or answer it
    case = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")
    c = f"/cases/{case['id']}"
    share = await casework.http.post(
        f"{c}/shares", json={"organisation_id": CIMADE, "kind": "referral"}, headers=CASEWORKER
    )
    accepted = await casework.http.post(f"/shares/{share.json()['id']}/accept", headers=PARTNER)
    appointment = await casework.http.post(
        f"{c}/appointments",
        json={"kind": "lawyer", "starts_at": "2026-03-30T09:30:00+02:00", "place": "Cabinet"},
        headers=CASEWORKER,
    )
    task = await casework.http.post(f"{c}/tasks", json={"title": "Call"}, headers=CASEWORKER)
    note = await casework.http.post(f"{c}/notes", json={"text": "Secret"}, headers=CASEWORKER)
    deadline = (await casework.http.get(f"{c}/deadlines", headers=CASEWORKER)).json()[0]
    made = [share, accepted, appointment, task, note]
    assert all(r.status_code in (200, 201) for r in made), [r.text for r in made]
    return {
        "case_id": case["id"],
        "share_id": share.json()["id"],
        "appointment_id": appointment.json()["id"],
        "task_id": task.json()["id"],
        "deadline_id": deadline["id"],
        "referral_id": referral.json()["id"],
    }


def attempts(
    ids: dict[str, str],
) -> dict[tuple[str, str], tuple[list[tuple[str, dict | None]], str]]:
    """For each operation: the calls to try, and the access it needs (read, work, own)."""
    c, a = f"/cases/{ids['case_id']}", f"/appointments/{ids['appointment_id']}"
    r = f"/referrals/incoming/{ids['referral_id']}"
    when = {"on": "2026-03-12", "version": 1}
    return {
        ("GET", "/cases"): ([], "read"),  # checked apart: answers, but lists nothing
        ("GET", "/cases/{case_id}"): ([(c, None)], "read"),
        ("POST", "/cases/{case_id}/procedure"): (
            [(f"{c}/procedure", {"case_type": "asylum", "version": 1})],
            "own",
        ),
        ("POST", "/cases/{case_id}/transitions"): (
            [(f"{c}/transitions", {"to": "legal_aid_requested", **when})],
            "own",
        ),
        ("PUT", "/cases/{case_id}/assignee"): (
            [(f"{c}/assignee", {"assignee": "eve", "version": 1})],
            "own",
        ),
        ("GET", "/cases/{case_id}/timeline"): ([(f"{c}/timeline", None)], "read"),
        ("GET", "/cases/{case_id}/shares"): ([(f"{c}/shares", None)], "read"),
        ("POST", "/cases/{case_id}/shares"): (
            [(f"{c}/shares", {"organisation_id": "assoc-other", "kind": "transfer"})],
            "own",
        ),
        ("POST", "/shares/{share_id}/{action}"): (
            [(f"/shares/{ids['share_id']}/revoke", None)],
            "own",
        ),
        ("GET", "/cases/{case_id}/deadlines"): ([(f"{c}/deadlines", None)], "read"),
        ("POST", "/deadlines/{deadline_id}/clock"): (
            [(f"/deadlines/{ids['deadline_id']}/clock", {"kind": "suspended", "on": "2026-03-05"})],
            "own",
        ),
        ("GET", "/cases/{case_id}/appointments"): ([(f"{c}/appointments", None)], "read"),
        ("POST", "/cases/{case_id}/appointments"): (
            [
                (
                    f"{c}/appointments",
                    {"kind": "lawyer", "starts_at": "2026-04-01T09:00:00+02:00", "place": "X"},
                )
            ],
            "work",
        ),
        ("POST", "/appointments/{appointment_id}/reschedule"): (
            [(f"{a}/reschedule", {"starts_at": "2026-04-02T09:00:00+02:00", "revision": 1})],
            "work",
        ),
        ("POST", "/appointments/{appointment_id}/cancel"): ([(f"{a}/cancel", None)], "work"),
        ("POST", "/appointments/{appointment_id}/attended"): ([(f"{a}/attended", None)], "work"),
        ("POST", "/appointments/{appointment_id}/missed"): ([(f"{a}/missed", None)], "work"),
        ("GET", "/cases/{case_id}/tasks"): ([(f"{c}/tasks", None)], "read"),
        ("POST", "/cases/{case_id}/tasks"): ([(f"{c}/tasks", {"title": "Mine now"})], "work"),
        ("POST", "/tasks/{task_id}/complete"): (
            [(f"/tasks/{ids['task_id']}/complete", None)],
            "work",
        ),
        ("GET", "/cases/{case_id}/notes"): ([(f"{c}/notes", None)], "own"),
        ("POST", "/cases/{case_id}/notes"): ([(f"{c}/notes", {"text": "Mine"})], "own"),
        ("GET", "/cases/{case_id}/documents"): ([(f"{c}/documents", None)], "read"),
        ("GET", "/referrals/incoming"): ([], "receive"),  # checked apart: lists nothing
        ("GET", "/referrals/incoming/{referral_id}"): ([(r, None)], "receive"),
        ("POST", "/referrals/incoming/{referral_id}/accept"): ([(f"{r}/accept", None)], "receive"),
        ("POST", "/referrals/incoming/{referral_id}/decline"): (
            [(f"{r}/decline", {"reason": "No room"})],
            "receive",
        ),
        ("PUT", "/cases/{case_id}/documents/{item}"): (
            [(f"{c}/documents/ofpra_decision", {"status": "received"})],
            "work",
        ),
    }


async def test_every_endpoint_refuses_an_organisation_that_may_not_see_the_case(
    casework: CaseworkWorld, ids: dict[str, str]
) -> None:
    tried = attempts(ids)
    assert operations(create_app(casework.casework)) == set(tried) | NOT_ABOUT_A_CASE, (
        "an endpoint is missing from this test: say who may use it"
    )
    for (method, _template), (calls, need) in tried.items():
        for path, body in calls:
            response = await casework.http.request(method, path, json=body, headers=OTHER)
            assert response.status_code in (403, 404), (method, path, response.text)
            if need == "receive":  # a referral to another organisation does not exist for it
                assert response.status_code == 404, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert "Secret" not in response.text
    assert (await casework.http.get("/cases", headers=OTHER)).json()["total"] == 0
    assert (await casework.http.get("/day", headers=OTHER)).json()["cases"]["total"] == 0
    assert (await casework.http.get("/shares", headers=OTHER)).json() == []
    assert (await casework.http.get("/referrals/incoming", headers=OTHER)).json()["total"] == 0


async def test_a_partner_works_on_a_referred_case_but_never_acts_as_its_owner(
    casework: CaseworkWorld, ids: dict[str, str]
) -> None:
    for (method, _template), (calls, need) in attempts(ids).items():
        for path, body in calls:
            response = await casework.http.request(method, path, json=body, headers=PARTNER)
            if need == "own":
                assert response.status_code in (403, 404), (method, path, response.text)
                assert "Secret" not in response.text
            else:  # let in: the answer may still be a rule's 409 (e.g. attending a cancelled one)
                assert response.status_code in (200, 201, 409), (method, path, response.text)
