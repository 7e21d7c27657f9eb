"""End to end: intake and notifications as real processes, over real Kafka, on SQLite files
and on PostgreSQL."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from shared.db import create_engine
from tests.e2e.conftest import Databases
from tests.e2e.services import MASTER_KEY, ServiceProcess, running, token
from tests.integration.kafka_tools import read_topic
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

CANARY_NAME = "Zyxwvu Canarynom"
CITY = "city-montreuil"
ASSOCIATION = "assoc-la-cimade"


@dataclass
class System:
    intake: ServiceProcess
    notifications: ServiceProcess
    bootstrap: str


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, databases: Databases) -> Iterator[System]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    with databases.fresh() as intake_db, databases.fresh() as notif_db:
        intake = ServiceProcess(
            "intake",
            intake_db,
            kafka_bootstrap,
            log_dir,
            extra_env={"INTAKE_MASTER_KEY": MASTER_KEY},
        )
        notifications = ServiceProcess(
            "notifications",
            notif_db,
            kafka_bootstrap,
            log_dir,
            extra_env={"NOTIFICATIONS_KEY_STORE__URL": intake.url},
        )
        with running(intake, notifications):
            yield System(intake, notifications, kafka_bootstrap)


REGISTRATIONS = "SELECT count(*) FROM outbox WHERE type = 'intake.person_registered.v1'"


async def count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


async def contact_in_notifications(
    system: System, person_id: object, headers: dict[str, str]
) -> httpx.Response:
    """The person's contact, once notifications has consumed their registration."""
    async with httpx.AsyncClient(base_url=system.notifications.url) as client:
        return await eventually(
            lambda: client.get(f"/contacts/{person_id}", headers=headers),
            lambda r: r.status_code == 200,
            timeout=60,
            what="the contact in notifications",
        )


async def register(system: System, name: str, org: str = CITY) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=system.intake.url) as client:
        response = await client.post(
            "/persons",
            json={"chosen_name": name, "preferred_language": "prs-AF"},
            headers=token(org, "intake"),
        )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_registered_person_reaches_notifications_with_the_name_encrypted(
    system: System,
) -> None:
    person = await register(system, CANARY_NAME)
    person_id = str(person["id"])

    contact = await contact_in_notifications(system, person_id, token(CITY, "caseworker"))
    assert contact.json()["preferred_language"] == "prs-AF"
    assert contact.json()["organisation_id"] == CITY

    records = [r for r in await read_topic(system.bootstrap, "intake.events") if r.key == person_id]
    records = [r for r in records if b"intake.person_registered.v1" in r.value]
    assert len(records) == 1
    envelope = json.loads(records[0].value)
    assert envelope["type"] == "intake.person_registered.v1"
    assert envelope["actororg"] == CITY
    assert envelope["data"]["chosen_name"].startswith("enc:v1:")
    # a language can hint at a nationality: it travels encrypted too
    assert envelope["data"]["preferred_language_enc"].startswith("enc:v1:")
    assert b"prs-AF" not in records[0].value
    assert CANARY_NAME.encode() not in records[0].value
    assert CANARY_NAME.split()[0].encode() not in records[0].value


async def test_a_caseworker_of_the_organisation_reads_the_person_back(system: System) -> None:
    person = await register(system, CANARY_NAME)
    async with httpx.AsyncClient(base_url=system.intake.url) as client:
        response = await client.get(f"/persons/{person['id']}", headers=token(CITY, "caseworker"))
    assert response.status_code == 200
    assert response.json()["chosen_name"] == CANARY_NAME


async def test_another_organisation_is_refused_everywhere(system: System) -> None:
    person = await register(system, CANARY_NAME, org=CITY)
    other = token(ASSOCIATION, "caseworker")
    async with httpx.AsyncClient(base_url=system.intake.url) as client:
        refused = await client.get(f"/persons/{person['id']}", headers=other)
    await contact_in_notifications(system, person["id"], token(CITY, "caseworker"))
    async with httpx.AsyncClient(base_url=system.notifications.url) as client:
        refused_contact = await client.get(f"/contacts/{person['id']}", headers=other)
    for response in (refused, refused_contact):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert CANARY_NAME not in response.text


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        (token(CITY, "auditor"), 403),
    ],
    ids=["no-token", "garbage-token", "wrong-role"],
)
async def test_registration_needs_a_valid_token_with_an_intake_role(
    system: System, headers: dict[str, str], status: int
) -> None:
    async with httpx.AsyncClient(base_url=system.intake.url) as client:
        response = await client.post(
            "/persons",
            json={"chosen_name": CANARY_NAME, "preferred_language": "fr"},
            headers=headers,
        )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


async def test_no_token_is_refused_on_reads_too(system: System) -> None:
    async with httpx.AsyncClient() as client:
        for url in (f"{system.intake.url}/persons/x", f"{system.notifications.url}/contacts/x"):
            response = await client.get(url)
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "body",
    [
        {"chosen_name": "", "preferred_language": "fr"},
        {"chosen_name": CANARY_NAME, "preferred_language": "French!"},
        {"chosen_name": CANARY_NAME, "phone": "12"},
        {"chosen_name": CANARY_NAME, "preferred_language": "fr", "passport": "X1"},
    ],
    ids=["empty-name", "bad-language", "impossible-phone", "unknown-field"],
)
async def test_a_rejected_request_leaves_nothing_in_the_outbox_or_on_kafka(
    system: System, body: dict[str, str]
) -> None:
    url = system.intake.database_url
    outbox_before = await count(url, REGISTRATIONS)
    persons_before = await count(url, "SELECT count(*) FROM persons")
    on_kafka_before = await eventually(
        lambda: _records_from(system), lambda keys: len(keys) == outbox_before, what="relay idle"
    )
    async with httpx.AsyncClient(base_url=system.intake.url) as client:
        response = await client.post("/persons", json=body, headers=token(CITY, "intake"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert CANARY_NAME not in response.text, "problem details never echo the input"
    assert await count(url, REGISTRATIONS) == outbox_before
    assert await count(url, "SELECT count(*) FROM persons") == persons_before

    # the relay is alive: the next, valid registration is the only new record on Kafka
    person = await register(system, "Someone Else")
    on_kafka = await eventually(
        lambda: _records_from(system),
        lambda keys: str(person["id"]) in keys,
        timeout=30,
        what="the valid registration on Kafka",
    )
    assert sorted(on_kafka) == sorted([*on_kafka_before, str(person["id"])])


async def _records_from(system: System) -> list[str]:
    """Keys of the registrations on intake.events that this intake's outbox wrote (the key
    releases of notifications' reading of languages come and go on their own)."""
    engine = create_engine(system.intake.database_url)
    try:
        async with engine.connect() as connection:
            own = set(
                (
                    await connection.execute(text(REGISTRATIONS.replace("count(*)", "event_id")))
                ).scalars()
            )
    finally:
        await engine.dispose()
    records = await read_topic(system.bootstrap, "intake.events")
    return [str(r.key) for r in records if r.headers["ce_id"].decode() in own]


def test_malformed_json_is_a_client_error(system: System) -> None:
    response = httpx.post(
        f"{system.intake.url}/persons",
        content=b'{"chosen_name": "unterminated',
        headers={**token(CITY, "intake"), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/persons/not-an-id", "/persons/%00", "/persons/" + "9" * 300])
def test_a_malformed_id_is_a_client_error(system: System, path: str) -> None:
    response = httpx.get(f"{system.intake.url}{path}", headers=token(CITY, "caseworker"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_auditors_read_history_not_live_files_and_coordinators_see_across(
    system: System,
) -> None:
    person = await register(system, CANARY_NAME, org=CITY)
    async with httpx.AsyncClient(base_url=system.intake.url) as client:
        auditor = await client.get(f"/persons/{person['id']}", headers=token(CITY, "auditor"))
        coordinator = await client.get(
            f"/persons/{person['id']}", headers=token(ASSOCIATION, "coordinator")
        )
    assert auditor.status_code == 403
    assert CANARY_NAME not in auditor.text
    assert coordinator.status_code == 200
    assert coordinator.json()["chosen_name"] == CANARY_NAME


async def test_an_auditor_verifies_the_intake_event_log(system: System) -> None:
    await register(system, CANARY_NAME)
    intact = system.intake.command("verify-log")
    assert intact.returncode == 0, intact.stderr[-2000:]
    report = json.loads(intact.stdout.strip().splitlines()[-1])
    assert report["ok"] is True
    assert report["checked"] >= 1

    first = await count(system.intake.database_url, "SELECT min(seq) FROM outbox")
    engine = create_engine(system.intake.database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE outbox SET envelope = replace(envelope, :org, 'city-bagnolet') "
                    "WHERE seq = :s"
                ),
                {"s": first, "org": CITY},
            )
    finally:
        await engine.dispose()
    tampered = system.intake.command("verify-log")
    assert tampered.returncode == 1
    verdict = json.loads(tampered.stdout.strip().splitlines()[-1])
    assert verdict["ok"] is False
    assert verdict["broken_at"] == first


async def test_a_pseudonym_with_a_phone_travels_encrypted_and_defaults_to_french(
    system: System,
) -> None:
    async with httpx.AsyncClient(base_url=system.intake.url) as client:
        response = await client.post(
            "/persons",
            json={"chosen_name": "Petit Prince", "phone": "06 98 76 54 32", "sms_consent": True},
            headers=token(CITY, "intake"),
        )
    assert response.status_code == 201, response.text
    person_id = response.json()["id"]
    contact = await contact_in_notifications(system, person_id, token(CITY, "caseworker"))
    assert contact.json()["preferred_language"] == "fr"
    records = [r for r in await read_topic(system.bootstrap, "intake.events") if r.key == person_id]
    data = json.loads(records[0].value)["data"]
    assert data["phone"].startswith("enc:v1:")
    assert data["sms_consent"] is True
    assert b"698765432" not in records[0].value
    assert b"Petit Prince" not in records[0].value


async def test_erasure_reaches_notifications_which_forgets_the_contact(system: System) -> None:
    person = await register(system, CANARY_NAME)
    staff = token(CITY, "intake", "caseworker")
    await contact_in_notifications(system, person["id"], staff)
    async with httpx.AsyncClient(base_url=system.intake.url) as client:
        erased = await client.post(f"/persons/{person['id']}/erasure", headers=staff)
    assert erased.status_code == 200
    async with httpx.AsyncClient(base_url=system.notifications.url) as client:
        await eventually(
            lambda: client.get(f"/contacts/{person['id']}", headers=staff),
            lambda r: r.status_code == 404,
            timeout=60,
            what="the contact forgotten",
        )
