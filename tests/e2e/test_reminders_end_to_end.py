"""End to end, with real processes, real Kafka, SQLite files or PostgreSQL, and the fake
provider over HTTP: a worker killed right after the provider accepted a reminder does not
send it again on restart, and a fresh notifications database rebuilt from every topic sends
nothing."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Databases
from tests.e2e.services import MASTER_KEY, ServiceProcess, a_noon_ahead, sms_through, token
from tests.integration.fake_sms_process import FakeSmsProcess
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

CITY = "city-montreuil"
DESK = token(CITY, "intake", "caseworker")
CLOCK_START = a_noon_ahead()  # no quiet hours
STARTS_AT = CLOCK_START + timedelta(days=2, seconds=25)  # the two-day reminder is due at +25 s


@dataclass
class System:
    fake: FakeSmsProcess
    intake: ServiceProcess
    casework: ServiceProcess
    bootstrap: str
    databases: Databases
    log_dir: Path

    def notifications(self, database: str, suffix: str, **env: str) -> ServiceProcess:
        return ServiceProcess(
            "notifications",
            database,
            self.bootstrap,
            self.log_dir,
            extra_env={
                **sms_through(self.fake),
                "NOTIFICATIONS_KEY_STORE__URL": self.intake.url,
                "NOTIFICATIONS_CLOCK_START": CLOCK_START.isoformat(),
                "NOTIFICATIONS_LEASE_SECONDS": "2",
                "NOTIFICATIONS_CONSUMER_GROUP_SUFFIX": suffix,
                "NOTIFICATIONS_PUBLIC_URL": "http://127.0.0.1:9",  # receipts: integration tests
                **env,
            },
        )


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, databases: Databases) -> Iterator[System]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    fake = FakeSmsProcess(log_dir / f"fake-sms-{uuid.uuid4().hex[:6]}.log")
    fake.start()
    with databases.fresh() as intake_db, databases.fresh() as case_db:
        intake = ServiceProcess(
            "intake",
            intake_db,
            kafka_bootstrap,
            log_dir,
            extra_env={"INTAKE_MASTER_KEY": MASTER_KEY},
        )
        intake.start()
        casework = ServiceProcess(
            "casework",
            case_db,
            kafka_bootstrap,
            log_dir,
            extra_env={"CASEWORK_KEY_STORE__URL": intake.url},
        )
        try:
            casework.start()
            yield System(fake, intake, casework, kafka_bootstrap, databases, log_dir)
        finally:
            casework.stop()
            intake.stop()
            fake.stop()


async def book(system: System) -> str:
    """A reachable person and an appointment two days and 25 seconds after the clock start."""
    async with httpx.AsyncClient(base_url=system.intake.url) as intake:
        person = await intake.post(
            "/persons",
            json={"chosen_name": "Awa", "phone": "06 12 34 56 78", "sms_consent": True},
            headers=DESK,
        )
    person_id = person.json()["id"]
    async with httpx.AsyncClient(base_url=system.casework.url) as casework:
        case = await eventually(
            lambda: casework.post(
                "/cases", json={"person_id": person_id, "case_type": "ame"}, headers=DESK
            ),
            lambda r: r.status_code == 201,
            timeout=60,
            what="casework knows the person",
        )
        booked = await casework.post(
            f"/cases/{case.json()['id']}/appointments",
            json={"kind": "prefecture", "starts_at": STARTS_AT.isoformat(), "place": "Guichet 4"},
            headers=DESK,
        )
    assert booked.status_code == 201, booked.text
    return str(booked.json()["id"])


async def plan(service: ServiceProcess, appointment_id: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=service.url) as http:
        response = await http.get(f"/appointments/{appointment_id}/messages", headers=DESK)
    if response.status_code != 200:
        return {}
    return {m["kind"]: m["status"] for m in response.json() if m["revision"] == 1}


async def test_a_killed_worker_does_not_resend_and_a_rebuild_sends_nothing(
    system: System,
) -> None:
    await system.fake.clear()
    with system.databases.fresh() as database:
        suffix = f"-e2e{uuid.uuid4().hex[:6]}"
        dying = system.notifications(
            database, suffix, PASSERELLE_FAULT_POINT="notifications.after_provider_accept"
        )
        dying.start()
        try:
            appointment_id = await book(system)
            reference = f"{appointment_id}:two_days:r1"
            await eventually(
                system.fake.messages,
                lambda sent: [m["reference"] for m in sent] == [reference],
                timeout=120,
                what="the provider accepts the reminder",
            )
            assert dying.process is not None
            assert dying.process.wait(30) == -9, "killed right after the provider accepted"
        finally:  # gone already once the fault point fired; a failed test leaves no orphan
            dying.stop()

        restarted = system.notifications(database, suffix)
        restarted.start()
        try:
            states = await eventually(
                lambda: plan(restarted, appointment_id),
                lambda p: p.get("two_days") == "sent",
                timeout=60,
                what="the restarted worker finds the message at the provider",
            )
            assert states["two_hours"] == "queued"
            assert [m["reference"] for m in await system.fake.messages()] == [reference]
        finally:
            assert restarted.stop() == 0

    with system.databases.fresh() as rebuilt_db:
        # its clock starts just before the reminder's time: without the ledger read back from
        # notifications' own topic, it would send it again a few seconds after starting
        rebuilt = system.notifications(
            rebuilt_db,
            f"-rebuild{uuid.uuid4().hex[:6]}",
            NOTIFICATIONS_CLOCK_START=(CLOCK_START + timedelta(seconds=20)).isoformat(),
        )
        started = time.monotonic()
        rebuilt.start()
        try:
            states = await eventually(
                lambda: plan(rebuilt, appointment_id),
                lambda p: p == {"two_days": "sent", "two_hours": "queued"},
                timeout=120,
                what="the rebuilt database knows the plan and what was sent",
            )
            # the reminder's time passes on the rebuilt service's clock; nothing goes out
            await eventually(
                lambda: plan(rebuilt, appointment_id),
                lambda p: time.monotonic() - started > 10 and p == states,
                timeout=60,
                what="the reminder's time passed on the rebuilt clock",
            )
            assert [m["reference"] for m in await system.fake.messages()] == [reference]
        finally:
            assert rebuilt.stop() == 0
