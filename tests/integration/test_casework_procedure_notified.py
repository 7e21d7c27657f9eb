"""A case opened from a referral gets its procedure later: the procedures to choose from are
listed, and the date a decision letter gives counts for the deadline the first step starts."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import CaseworkWorld, token
from tests.integration.test_casework_cases import CASEWORKER, person

pytestmark = pytest.mark.integration

CIMADE = "assoc-la-cimade"
PARTNER = token(CIMADE, "caseworker", user="ines")


async def test_the_procedures_are_listed_with_the_deadlines_their_steps_start(
    casework: CaseworkWorld,
) -> None:
    listed = await casework.http.get("/procedures", headers=CASEWORKER)
    assert listed.status_code == 200, listed.text
    appeal = next(p for p in listed.json() if p["id"] == "cnda_appeal")
    first = next(s for s in appeal["steps"] if s["status"] == appeal["initial"])
    assert first["starts"] == ["asylum.cnda_appeal"]
    assert (await casework.http.get("/procedures")).status_code == 401


async def referred_case(client: httpx.AsyncClient, casework: CaseworkWorld) -> dict:
    """A case La Cimade opened by accepting the city's referral: it has no procedure yet."""
    coordinator = token("city-montreuil", "coordinator")
    partner = {"id": CIMADE, "name": "La Cimade", "services": ["legal_support"]}
    assert (await client.post("/partners", json=partner, headers=coordinator)).status_code == 201
    person_id = await person(client, casework)
    consent = {"purpose": "share_with_partner", "partner_id": CIMADE}
    desk = token("city-montreuil", "intake", "caseworker")
    given = await client.post(f"/persons/{person_id}/consents", json=consent, headers=desk)
    assert given.status_code == 201, given.text
    body = {"partner_id": CIMADE, "service": "legal_support"}
    referred = await client.post(f"/persons/{person_id}/referrals", json=body, headers=desk)
    assert referred.status_code == 201, referred.text
    await casework.sync()
    path = f"/referrals/incoming/{referred.json()['id']}/accept"
    accepted = await casework.http.post(path, headers=PARTNER)
    assert accepted.status_code == 200, accepted.text
    case = await casework.http.get(f"/cases/{accepted.json()['case_id']}", headers=PARTNER)
    assert case.json()["case_type"] is None
    return dict(case.json())


async def test_choosing_the_procedure_takes_the_date_the_letter_gives(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await referred_case(client, casework)
    chosen = await casework.http.post(
        f"/cases/{case['id']}/procedure",
        json={
            "case_type": "cnda_appeal",
            "version": case["version"],
            "on": "2026-03-02",
            "notified": {"asylum.cnda_appeal": "2026-03-30"},
        },
        headers=PARTNER,
    )
    assert chosen.status_code == 200, chosen.text
    deadlines = await casework.http.get(f"/cases/{case['id']}/deadlines", headers=PARTNER)
    [appeal] = deadlines.json()
    assert (appeal["computed_due"], appeal["notified_due"]) == ("2026-04-02", "2026-03-30")
    assert (appeal["due"], appeal["differs"]) == ("2026-03-30", True)


async def test_a_notified_date_for_a_deadline_the_first_step_does_not_start_is_refused(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await referred_case(client, casework)
    refused = await casework.http.post(
        f"/cases/{case['id']}/procedure",
        json={
            "case_type": "cnda_appeal",
            "version": case["version"],
            "notified": {"asylum.cnda_hearing_notice": "2026-03-30"},
        },
        headers=PARTNER,
    )
    assert refused.status_code == 422
    assert "asylum.cnda_hearing_notice" in refused.json()["detail"]
    again = await casework.http.get(f"/cases/{case['id']}", headers=PARTNER)
    assert again.json()["case_type"] is None, "nothing changed"
