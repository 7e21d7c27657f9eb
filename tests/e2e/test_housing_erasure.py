"""End to end: after erasure at intake, nothing personal about the person is readable in
housing's database (every table), on `housing.events` from offset 0, or through its API; its
chain still verifies. Real intake and housing processes, real Kafka, on SQLite files and on
PostgreSQL."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.housing.handlers.applications import number_digest
from services.housing.settings import DEV_INDEX_KEY
from tests.e2e.conftest import Databases
from tests.e2e.services import ServiceProcess, intake_and_housing, running, token
from tests.e2e.test_erasure_everywhere import database_text
from tests.integration.kafka_tools import read_topic
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

CITY, SHELTER = "city-montreuil", "assoc-labri"
DESK = token(CITY, "intake", "caseworker")
CITY_COORDINATOR = token(CITY, "coordinator")
SHELTER_STAFF = token(SHELTER, "caseworker", user="nadia")
SHELTER_COORDINATOR = token(SHELTER, "coordinator", user="karim")
SERVICE = token("passerelle", "service", user="service:housing")
NUMBER, FILED_ON = "093 25 03 93048 00123 K", "2025-03-14"  # a numéro unique of March 2025
# one canary per kind of personal text housing keeps about the person (sealed with their key)
CANARIES = {
    "name": "Qwzxkanary Housingname",
    "override": "Overridekanary she sleeps in the car park",
    "number": "09325039304800123K",
    "number_as_written": NUMBER,
    "dwelling": "T3 au 12 rue des Kanaries, 2e étage",
    "refusal": "Refusalkanary too far from Yasmine's school",
}


@dataclass
class System:
    intake: ServiceProcess
    housing: ServiceProcess


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, databases: Databases) -> Iterator[System]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    # groups of their own: another run's processes in the same groups would share the
    # partitions out, and this person's events could go to them
    suffix = f"-erasure-{uuid.uuid4().hex[:8]}"
    with databases.fresh() as intake_db, databases.fresh() as housing_db:
        intake, housing = intake_and_housing(
            intake_db, housing_db, kafka_bootstrap, log_dir, operator=SHELTER, suffix=suffix
        )
        with running(intake, housing):
            yield System(intake, housing)


async def a_mother_referred(desk: httpx.AsyncClient) -> tuple[str, str]:
    """A pregnant woman with a small child, five nights outside, referred to the shelter by
    the city's desk; her id and the referral's."""
    partner = {"id": SHELTER, "name": "L'Abri", "services": ["emergency_shelter"]}
    await desk.post("/partners", json=partner, headers=CITY_COORDINATOR)
    person = await desk.post("/persons", json={"chosen_name": CANARIES["name"]}, headers=DESK)
    assert person.status_code == 201, person.text
    person_id = str(person.json()["id"])
    calls = [
        ("/consents", {"purpose": "share_with_partner", "partner_id": SHELTER}),
        ("/consents", {"purpose": "health_information"}),
        (
            "/needs-assessments",
            {"needs": [{"area": "emergency_shelter"}], "nights_without_shelter": 5},
        ),
    ]
    for path, body in calls:
        answered = await desk.post(f"/persons/{person_id}{path}", json=body, headers=DESK)
        assert answered.status_code == 201, answered.text
    household = {
        "reference_person_id": person_id,
        "flags": {"pregnant": True},
        "members": [{"relationship": "child", "dependant": True, "birth_date": "2024-10-01"}],
    }
    formed = await desk.post("/households", json=household, headers=DESK)
    assert formed.status_code == 201, formed.text
    referred = await desk.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": SHELTER, "service": "emergency_shelter"},
        headers=DESK,
    )
    assert referred.status_code == 201, referred.text
    return person_id, str(referred.json()["id"])


async def placed_and_overridden(housing: httpx.AsyncClient, referral_id: str) -> str:
    """The referral's request, moved up by a coordinator with a reason, offered a family
    room tonight and checked in; its id."""

    async def requests() -> list[dict[str, Any]]:
        return list((await housing.get("/placements", headers=SHELTER_STAFF)).json())

    listed = await eventually(
        requests,
        lambda found: any(p["referral_id"] == referral_id for p in found),
        timeout=60,
        what="the referral's request opened in housing",
    )
    placement = next(p for p in listed if p["referral_id"] == referral_id)
    assert placement["household_known"], placement
    assert placement["members"][0]["pregnant"], "intake's composition was read"
    moved = await housing.post(
        f"/placements/{placement['id']}/override",
        json={"position": 1, "reason": CANARIES["override"]},
        headers=SHELTER_COORDINATOR,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["override"]["reason"] == CANARIES["override"]
    tonight = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    family = {"first_night": tonight, "member": ["30f", "1f"]}
    free = (await housing.get("/rooms/availability", params=family, headers=SHELTER_STAFF)).json()
    offer = await housing.post(
        "/offers",
        json={
            "placement_id": placement["id"],
            "room_id": free["choices"][0]["room_id"],
            "first_night": tonight,
            "nights": 2,
            "household": {"members": [{"age": 30, "sex": "f"}, {"age": 1, "sex": "f"}]},
        },
        headers=SHELTER_STAFF,
    )
    assert offer.status_code == 201, offer.text
    stay = await housing.post(f"/offers/{offer.json()['id']}/check-in", headers=SHELTER_STAFF)
    assert stay.status_code == 201, stay.text
    return str(placement["id"])


async def an_application_refused(housing: httpx.AsyncClient, person_id: str) -> str:
    """The person's social housing application, a dwelling proposed and refused with a
    reason; the application's id."""
    sent = {"person_id": person_id, "number": NUMBER, "filed_on": FILED_ON}
    filed = await housing.post("/applications", json=sent, headers=SHELTER_STAFF)
    assert filed.status_code == 201, filed.text
    application_id = str(filed.json()["id"])
    proposal = {"dwelling": CANARIES["dwelling"], "commission_on": "2026-01-12"}
    received = await housing.post(
        f"/applications/{application_id}/proposals", json=proposal, headers=SHELTER_STAFF
    )
    assert received.status_code == 201, received.text
    refused = await housing.post(
        f"/proposals/{received.json()['id']}/outcome",
        json={"outcome": "refused", "reason": CANARIES["refusal"]},
        headers=SHELTER_STAFF,
    )
    assert refused.status_code == 200, refused.text
    read = (await housing.get(f"/applications/{application_id}", headers=SHELTER_STAFF)).json()
    assert read["number"] == CANARIES["number"], "before erasure, housing reads it all"
    assert read["proposals"][0]["reason"] == CANARIES["refusal"]
    return application_id


async def test_after_erasure_nothing_personal_is_readable_in_housing(
    system: System, kafka_bootstrap: str
) -> None:
    async with (
        httpx.AsyncClient(base_url=system.intake.url) as desk,
        httpx.AsyncClient(base_url=system.housing.url) as housing,
    ):
        person_id, referral_id = await a_mother_referred(desk)
        placement_id = await placed_and_overridden(housing, referral_id)
        application_id = await an_application_refused(housing, person_id)
        await eventually(
            lambda: desk.get(f"/persons/{person_id}/referrals", headers=DESK),
            lambda answer: answer.json()[0]["status"] == "accepted",
            timeout=60,
            what="intake shows the referral accepted",
        )
        digest = number_digest(DEV_INDEX_KEY.encode(), CANARIES["number"])
        assert digest in await database_text(system.housing.database_url)
        erased = await desk.post(f"/persons/{person_id}/erasure", headers=DESK)
        assert erased.status_code == 200, erased.text

        forgotten = await eventually(
            lambda: housing.get(f"/placements/{placement_id}", headers=SHELTER_STAFF),
            lambda answer: answer.json()["missing"] == "person_erased",
            timeout=60,
            what="housing applied the erasure",
        )
        application = await housing.get(f"/applications/{application_id}", headers=SHELTER_STAFF)
        assert application.json()["status"] == "closed", "no reminder goes to nobody"
        shown = [
            forgotten.text,
            application.text,
            (await housing.get(f"/persons/{person_id}/applications", headers=SHELTER_STAFF)).text,
            (await housing.get("/placements", headers=SHELTER_STAFF)).text,
        ]
        key = await desk.get(f"/internal/keys/{person_id}", headers=SERVICE)
        assert key.status_code == 410, "no service can open the ciphertexts any more"
    for kind, canary in CANARIES.items():
        assert all(canary not in text for text in shown), f"{kind} still shown by housing"
    members = json.loads(forgotten.text)["members"]
    assert len(members) == 2, "the beds the household needs still count"
    assert all(m["age"] is None and not m["pregnant"] for m in members), members

    dump = await database_text(system.housing.database_url)
    assert placement_id in dump, "the dump does read housing's tables"
    for kind, canary in CANARIES.items():
        assert canary not in dump, f"{kind} still readable in housing's database"
    assert "'pregnant': True" not in dump, "her pregnancy is told of nowhere"
    assert digest not in dump, "the number's hash would find her at the SIAO"

    async def housing_topic() -> list[bytes]:
        return [r.value for r in await read_topic(kafka_bootstrap, "housing.events")]

    replayed = await eventually(
        housing_topic,
        lambda values: sum(application_id.encode() in v for v in values) >= 3,
        timeout=60,
        what="the application's events on Kafka",
    )
    about = [v for v in replayed if placement_id.encode() in v or application_id.encode() in v]
    assert len(about) >= 7, "requested, accepted, overridden, offered, checked in, filed, ..."
    for value in replayed:
        for kind, canary in CANARIES.items():
            assert canary.encode() not in value, f"{kind} in clear on housing.events"

    verdict = system.housing.command("verify-log")
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    assert json.loads(verdict.stdout.strip().splitlines()[-1])["ok"] is True
