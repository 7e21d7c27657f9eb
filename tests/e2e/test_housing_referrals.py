"""End to end: a referral from intake to the centre's operator for emergency shelter, the
same Kafka record delivered three times, opens one placement request in housing, is
answered once, and intake shows it accepted; real processes, real Kafka, on SQLite files and
on PostgreSQL."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.housing.consumer import NAME as HOUSING_GROUP
from tests.e2e.conftest import Databases
from tests.e2e.services import ServiceProcess, intake_and_housing, running, token
from tests.integration.kafka_tools import RawRecord, read_topic
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

CITY, SHELTER = "city-montreuil", "assoc-abri-e2e"
DESK = token(CITY, "intake", "caseworker")
CITY_COORDINATOR = token(CITY, "coordinator")
SHELTER_STAFF = token(SHELTER, "caseworker")


@dataclass
class System:
    intake: ServiceProcess
    housing: ServiceProcess
    housing_group: str


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, databases: Databases) -> Iterator[System]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    # groups of their own: another run's processes in the same groups would share the
    # partitions out, and this referral could go to them
    suffix = f"-referrals-{uuid.uuid4().hex[:8]}"
    with databases.fresh() as intake_db, databases.fresh() as housing_db:
        intake, housing = intake_and_housing(
            intake_db, housing_db, kafka_bootstrap, log_dir, operator=SHELTER, suffix=suffix
        )
        with running(intake, housing):
            yield System(intake, housing, HOUSING_GROUP + suffix)


async def referred_to_the_shelter(intake: httpx.AsyncClient) -> tuple[str, str]:
    """A person referred by the city's desk to the shelter's operator, with consent;
    (person, referral)."""
    partner = {"id": SHELTER, "name": "L'Abri", "services": ["emergency_shelter"]}
    await intake.post("/partners", json=partner, headers=CITY_COORDINATOR)
    person = await intake.post("/persons", json={"chosen_name": "Samira"}, headers=DESK)
    assert person.status_code == 201, person.text
    person_id = str(person.json()["id"])
    consent = await intake.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": SHELTER},
        headers=DESK,
    )
    assert consent.status_code == 201, consent.text
    referred = await intake.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": SHELTER, "service": "emergency_shelter"},
        headers=DESK,
    )
    assert referred.status_code == 201, referred.text
    return person_id, str(referred.json()["id"])


def about(records: list[RawRecord], kind: str, referral_id: str) -> list[RawRecord]:
    """The records of one event type naming the referral."""
    found = []
    for record in records:
        envelope = json.loads(record.value)
        if envelope.get("type") == kind and envelope["data"].get("referral_id") == referral_id:
            found.append(record)
    return found


async def produce_again(bootstrap: str, topic: str, record: RawRecord, times: int) -> int:
    """The same record (key, value, headers) written `times` more; the last one's offset."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = None
        for _ in range(times):
            sent = await producer.send_and_wait(
                topic,
                record.value,
                key=record.key.encode() if record.key else None,
                headers=list(record.headers.items()),
                partition=record.partition,
            )
        assert sent is not None
        return int(sent.offset)
    finally:
        await producer.stop()


async def committed(bootstrap: str, group: str, topic: str, partition: int) -> int:
    """The offset a consumer group committed on the partition (-1: none)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        return await consumer.committed(TopicPartition(topic, partition)) or -1
    finally:
        await consumer.stop()


async def test_a_referral_delivered_three_times_opens_one_request_and_answers_once(
    system: System, kafka_bootstrap: str
) -> None:
    async with (
        httpx.AsyncClient(base_url=system.intake.url) as intake,
        httpx.AsyncClient(base_url=system.housing.url) as housing,
    ):
        person_id, referral_id = await referred_to_the_shelter(intake)

        async def referral() -> dict[str, Any]:
            listed = await intake.get(f"/persons/{person_id}/referrals", headers=DESK)
            return dict(listed.json()[0])

        await eventually(
            referral, lambda r: r["status"] == "accepted", timeout=180, what="intake shows accepted"
        )
        [sent] = about(
            await read_topic(kafka_bootstrap, "intake.events"),
            "intake.referral_requested.v1",
            referral_id,
        )
        last = await produce_again(kafka_bootstrap, "intake.events", sent, times=2)
        await eventually(
            lambda: committed(
                kafka_bootstrap, system.housing_group, "intake.events", sent.partition
            ),
            lambda offset: offset > last,
            timeout=90,
            what="housing read the record delivered twice more",
        )

        mine = await housing.get("/placements", headers=SHELTER_STAFF)
        assert mine.status_code == 200, mine.text
        [placement] = [p for p in mine.json() if p["referral_id"] == referral_id]
        assert placement["person_id"] == person_id
        shown = await referral()
        assert (shown["status"], shown["partner_case_id"]) == ("accepted", placement["id"])

    answers = about(
        await read_topic(kafka_bootstrap, "housing.events"),
        "housing.referral_accepted.v1",
        referral_id,
    )
    assert len(answers) == 1  # answered once
    declined = about(
        await read_topic(kafka_bootstrap, "housing.events"),
        "housing.referral_declined.v1",
        referral_id,
    )
    assert declined == []
    moves = about(
        await read_topic(kafka_bootstrap, "intake.events"),
        "intake.referral_status_changed.v1",
        referral_id,
    )
    assert [json.loads(m.value)["data"]["status"] for m in moves] == ["accepted"]

    for service in (system.intake, system.housing):
        verdict = service.command("verify-log")
        assert verdict.returncode == 0, verdict.stdout + verdict.stderr
        assert json.loads(verdict.stdout.strip().splitlines()[-1])["ok"] is True
