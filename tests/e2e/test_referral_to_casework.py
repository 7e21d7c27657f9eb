"""End to end: a referral made at intake arrives in the partner's inbox in casework; the
partner accepts it (a case opens) or declines it with a reason, and the answer comes back to
intake; real processes, real Kafka, on SQLite files and on PostgreSQL."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Databases
from tests.e2e.services import MASTER_KEY, ServiceProcess, running, token
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

CITY, CIMADE = "city-montreuil", "assoc-la-cimade"
DESK = token(CITY, "intake", "caseworker")
PARTNER = token(CIMADE, "caseworker")


@dataclass
class System:
    intake: ServiceProcess
    casework: ServiceProcess


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, databases: Databases) -> Iterator[System]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    with databases.fresh() as intake_db, databases.fresh() as case_db:
        intake = ServiceProcess(
            "intake",
            intake_db,
            kafka_bootstrap,
            log_dir,
            extra_env={"INTAKE_MASTER_KEY": MASTER_KEY},
        )
        casework = ServiceProcess(
            "casework",
            case_db,
            kafka_bootstrap,
            log_dir,
            extra_env={"CASEWORK_KEY_STORE__URL": intake.url},
        )
        with running(intake, casework):
            yield System(intake, casework)


async def referred_to_cimade(intake: httpx.AsyncClient) -> tuple[str, str]:
    """A person referred by the city's desk to La Cimade, with consent; (person, referral)."""
    partner = {"id": CIMADE, "name": "La Cimade", "services": ["legal_support"]}
    await intake.post("/partners", json=partner, headers=token(CITY, "coordinator"))
    person_id = (await intake.post("/persons", json={"chosen_name": "Farid"}, headers=DESK)).json()[
        "id"
    ]
    consent = await intake.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": CIMADE},
        headers=DESK,
    )
    assert consent.status_code == 201
    referred = await intake.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": CIMADE, "service": "legal_support"},
        headers=DESK,
    )
    assert referred.status_code == 201
    assert referred.json()["status"] == "requested"
    return person_id, referred.json()["id"]


async def arrived(casework: httpx.AsyncClient, referral_id: str) -> dict:
    """The referral once it is in La Cimade's inbox."""

    async def pending() -> list[dict]:
        page = await casework.get(
            "/referrals/incoming", params={"status": "pending"}, headers=PARTNER
        )
        return [r for r in page.json()["items"] if r["id"] == referral_id]

    found = await eventually(pending, bool, timeout=90, what="the referral in the partner's inbox")
    return found[0]


async def answered(intake: httpx.AsyncClient, person_id: str, status: str) -> dict:
    """The person's referral once intake shows the partner's answer."""

    async def referral() -> dict:
        listed = await intake.get(f"/persons/{person_id}/referrals", headers=DESK)
        return dict(listed.json()[0])

    return await eventually(
        referral, lambda r: r["status"] == status, timeout=90, what=f"intake shows {status}"
    )


async def test_a_referral_the_partner_accepts_shows_as_accepted_in_intake(
    system: System,
) -> None:
    async with (
        httpx.AsyncClient(base_url=system.intake.url) as intake,
        httpx.AsyncClient(base_url=system.casework.url) as casework,
    ):
        person_id, referral_id = await referred_to_cimade(intake)
        await arrived(casework, referral_id)
        accept = await casework.post(f"/referrals/incoming/{referral_id}/accept", headers=PARTNER)
        assert accept.status_code == 200, accept.text

        accepted = await answered(intake, person_id, "accepted")
        assert accepted["partner_case_id"] == accept.json()["case_id"]
        case_id = accepted["partner_case_id"]
        case = await casework.get(f"/cases/{case_id}", headers=PARTNER)
        assert case.status_code == 200
        assert case.json()["referral_id"] == referral_id
        assert case.json()["person_id"] == person_id
        hidden = await casework.get(f"/cases/{case_id}", headers=token("assoc-other", "caseworker"))
        assert hidden.status_code == 404

        # the partner now reads the person it was referred, and only its own referrals
        assert (await intake.get(f"/persons/{person_id}", headers=PARTNER)).status_code == 200

        # a confidential note: casework fetches the person's key from intake's key store
        note = await casework.post(
            f"/cases/{case_id}/notes", json={"text": "Rendez-vous avocate mardi"}, headers=PARTNER
        )
        assert note.status_code == 201, note.text
        notes = (await casework.get(f"/cases/{case_id}/notes", headers=PARTNER)).json()
        assert [n["text"] for n in notes] == ["Rendez-vous avocate mardi"]

    for service in (system.intake, system.casework):
        verdict = service.command("verify-log")
        assert verdict.returncode == 0, verdict.stdout + verdict.stderr
        assert json.loads(verdict.stdout.strip().splitlines()[-1])["ok"] is True


async def test_a_referral_the_partner_declines_shows_its_reason_in_intake(
    system: System,
) -> None:
    reason = "Plus de place avant mars: voir le Gisti"
    async with (
        httpx.AsyncClient(base_url=system.intake.url) as intake,
        httpx.AsyncClient(base_url=system.casework.url) as casework,
    ):
        person_id, referral_id = await referred_to_cimade(intake)
        await arrived(casework, referral_id)
        decline = await casework.post(
            f"/referrals/incoming/{referral_id}/decline", json={"reason": reason}, headers=PARTNER
        )
        assert decline.status_code == 200, decline.text

        declined = await answered(intake, person_id, "declined")
        assert declined["status_reason"] == reason
        assert declined["partner_case_id"] is None
