"""End to end: after erasure, nothing personal about the person is readable in intake's
database, in its events replayed from offset 0, or in the art. 15 export; the chain holds.
Real intake process, real Kafka, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import MetaData, select

from shared.db import create_engine
from tests.e2e.conftest import Databases
from tests.e2e.services import MASTER_KEY, ServiceProcess, token
from tests.integration.kafka_tools import read_topic
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

CITY, CIMADE = "city-montreuil", "assoc-la-cimade"
DESK = token(CITY, "intake", "caseworker")
COORDINATOR = token(CITY, "coordinator")
SERVICE = token("passerelle", "service", user="service:notifications")
# one canary per kind of personal field the person's file can hold
CANARIES = {
    "name": "Qwzxkanary Firstname",
    "other_name": "Vbnmkanary Othername",
    "phone": "+33698761234",
    "notes": "Sleepsunderkanary Bridge",
    "hold": "Holdkanary Appeal reason",
    "override": "Overridekanary urgent reason",
    "merge": "Mergekanary same person reason",
    "twin": "Twinkanary Duplicate",
}


@pytest.fixture(scope="module")
def intake(kafka_bootstrap: str, databases: Databases) -> Iterator[ServiceProcess]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    with databases.fresh() as database:
        service = ServiceProcess(
            "intake",
            database,
            kafka_bootstrap,
            log_dir,
            extra_env={"INTAKE_MASTER_KEY": MASTER_KEY},
        )
        service.start()
        try:
            yield service
        finally:
            assert service.stop() == 0


async def a_full_file(client: httpx.AsyncClient) -> tuple[str, str]:
    """A person with every kind of personal data intake keeps, and a record merged into it."""
    partner = {"id": CIMADE, "name": "La Cimade", "services": ["legal_support"]}
    await client.post("/partners", json=partner, headers=COORDINATOR)
    body = {
        "chosen_name": CANARIES["name"],
        "other_names": [CANARIES["other_name"]],
        "phone": CANARIES["phone"],
        "sms_consent": True,
        "birth_date": "1991-04-17",
        "nationality": "ML",
        "languages": ["bm", "fr"],
    }
    person_id = (await client.post("/persons", json=body, headers=DESK)).json()["id"]
    twin_id = (
        await client.post(
            "/persons",
            json={"chosen_name": CANARIES["twin"], "phone": CANARIES["phone"]},
            headers=DESK,
        )
    ).json()["id"]
    p = f"/persons/{person_id}"
    calls = [
        client.patch(p, json={"chosen_name": CANARIES["name"] + " B"}, headers=DESK),
        client.post(f"{p}/consents", json={"purpose": "health_information"}, headers=DESK),
        client.post(
            f"{p}/needs-assessments",
            json={"needs": [{"area": "emergency_shelter"}], "notes": CANARIES["notes"]},
            headers=DESK,
        ),
        client.post(
            "/households",
            json={
                "reference_person_id": person_id,
                "flags": {"pregnant": True},
                "members": [{"relationship": "child", "birth_date": "2019-02-03"}],
            },
            headers=DESK,
        ),
        client.post(
            f"{p}/referrals",
            json={
                "partner_id": CIMADE,
                "service": "legal_support",
                "override_reason": CANARIES["override"],
            },
            headers=COORDINATOR,
        ),
        client.post(
            f"{p}/merges",
            json={"duplicate_id": twin_id, "reason": CANARIES["merge"]},
            headers=DESK,
        ),
    ]
    for call in calls:
        response = await call
        assert response.status_code in (200, 201), response.text
    hold = await client.post(f"{p}/legal-holds", json={"reason": CANARIES["hold"]}, headers=DESK)
    lifted = await client.post(f"{p}/legal-holds/{hold.json()['id']}/lift", headers=DESK)
    assert lifted.status_code == 200
    exported = await client.get(f"{p}/export", headers=DESK)
    assert CANARIES["notes"] in exported.text, "before erasure, the export holds it all"
    return person_id, twin_id


async def database_text(url: str) -> str:
    """Every value of every row of every table of intake's database, as text."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            metadata = MetaData()
            await connection.run_sync(metadata.reflect)
            dump = []
            for table in metadata.sorted_tables:
                for row in (await connection.execute(select(table))).all():
                    dump.append(" ".join(map(str, row)))
            return "\n".join(dump)
    finally:
        await engine.dispose()


async def test_after_erasure_nothing_personal_is_readable_anywhere(
    intake: ServiceProcess, kafka_bootstrap: str
) -> None:
    async with httpx.AsyncClient(base_url=intake.url) as client:
        person_id, twin_id = await a_full_file(client)
        assert (await client.get(f"/internal/keys/{person_id}", headers=SERVICE)).status_code == 200
        erased = await client.post(f"/persons/{person_id}/erasure", headers=DESK)
        assert erased.status_code == 200, erased.text

        export = await client.get(f"/persons/{person_id}/export", headers=DESK)
        assert export.status_code == 410
        for erased_id in (person_id, twin_id):
            key = await client.get(f"/internal/keys/{erased_id}", headers=SERVICE)
            assert key.status_code == 410, "no service can open the ciphertexts any more"
        shown = (await client.get(f"/persons/{person_id}", headers=DESK)).json()
        assert shown["chosen_name"] == "[erased]"

    dump = await database_text(intake.database_url)
    assert person_id in dump, "the dump does read intake's tables"
    for kind, canary in CANARIES.items():
        assert canary not in dump, f"{kind} still readable in intake's database"
    assert "1991-04-17" not in dump
    assert "2019-02-03" not in dump

    async def about_the_person() -> list[bytes]:
        records = await read_topic(kafka_bootstrap, "intake.events")
        return [r.value for r in records if r.key in (person_id, twin_id)]

    replayed = await eventually(
        about_the_person,
        lambda values: sum(b"intake.person_erased.v1" in v for v in values) == 2,
        timeout=60,
        what="both erasures on Kafka",
    )
    assert len(replayed) >= 10, "the whole file's history is on the topic"
    for value in replayed:
        for kind, canary in CANARIES.items():
            assert canary.encode() not in value, f"{kind} in clear on Kafka"
        assert b"1991-04-17" not in value

    verdict = intake.command("verify-log")
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    assert json.loads(verdict.stdout.strip().splitlines()[-1])["ok"] is True
