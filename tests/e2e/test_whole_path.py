"""End to end, the whole path of a person: registered at intake, referred to a partner whose
case books appointments, reminded by SMS through the fake provider, then STOP: every later
message is blocked and settles (never stuck in `sending`), a caseworker's resend too; then
erasure. Real processes and Kafka, on SQLite files and on PostgreSQL."""

from __future__ import annotations

import os
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

CITY, CIMADE = "city-montreuil", "assoc-la-cimade"
DESK = token(CITY, "intake", "caseworker")
PARTNER = token(CIMADE, "caseworker", user="lea")
# a number of its own: its STOP, on notifications' topic, must not silence the other tests'
# persons when a notifications process replays that topic
PHONE = E164 = "+33698761234"
CLOCK_START = a_noon_ahead()  # notifications' clock: no quiet hours
# both reminder times have passed, so one reminder is due as soon as it is planned
STARTS_AT = CLOCK_START + timedelta(minutes=90)
SETTLED = ("blocked", "cleared", "sent", "delivered", "failed", "undeliverable", "unknown")


@dataclass
class System:
    fake: FakeSmsProcess
    intake: ServiceProcess
    casework: ServiceProcess
    notifications: ServiceProcess


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, databases: Databases) -> Iterator[System]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    fake = FakeSmsProcess(log_dir / f"fake-sms-{uuid.uuid4().hex[:6]}.log")
    fake.start()
    with databases.fresh() as intake_db, databases.fresh() as case_db, databases.fresh() as sms_db:
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
        notifications = ServiceProcess("notifications", sms_db, kafka_bootstrap, log_dir)
        notifications.extra_env = {
            **sms_through(fake),
            "NOTIFICATIONS_KEY_STORE__URL": intake.url,
            "NOTIFICATIONS_CLOCK_START": CLOCK_START.isoformat(),
            # the provider signs its webhooks (receipts, the person's STOP) for this address
            "NOTIFICATIONS_PUBLIC_URL": notifications.url,
        }
        started: list[ServiceProcess] = []
        try:
            for service in (intake, casework, notifications):
                service.start()
                started.append(service)
            yield System(fake, intake, casework, notifications)
        finally:
            for service in reversed(started):
                assert service.stop() == 0, f"{service.name} did not stop cleanly"
            fake.stop()


async def register(system: System) -> str:
    """A person with a phone who agreed to SMS reminders."""
    async with httpx.AsyncClient(base_url=system.intake.url) as intake:
        person = await intake.post(
            "/persons",
            json={"chosen_name": "Awa", "phone": PHONE, "sms_consent": True},
            headers=DESK,
        )
    assert person.status_code == 201, person.text
    return str(person.json()["id"])


async def refer(system: System, person_id: str) -> str:
    """Refer the person to the partner, with their consent; the referral's id."""
    async with httpx.AsyncClient(base_url=system.intake.url) as intake:
        partner = {"id": CIMADE, "name": "La Cimade", "services": ["legal_support"]}
        await intake.post("/partners", json=partner, headers=token(CITY, "coordinator"))
        consent = await intake.post(
            f"/persons/{person_id}/consents",
            json={"purpose": "share_with_partner", "partner_id": CIMADE},
            headers=DESK,
        )
        assert consent.status_code == 201, consent.text
        referred = await intake.post(
            f"/persons/{person_id}/referrals",
            json={"partner_id": CIMADE, "service": "legal_support"},
            headers=DESK,
        )
    assert referred.status_code == 201, referred.text
    return str(referred.json()["id"])


async def case_for_referral(system: System, referral_id: str) -> str:
    """The partner's case for the referral: it reaches the partner's inbox, and a caseworker
    of the partner accepts it (unless the partner had it accepted as it arrived)."""
    async with httpx.AsyncClient(base_url=system.casework.url) as casework:
        received = await eventually(
            lambda: casework.get(f"/referrals/incoming/{referral_id}", headers=PARTNER),
            lambda r: r.status_code == 200,
            timeout=90,
            what="the referral in the partner's inbox",
        )
        if received.json()["case_id"] is None:
            accept = f"/referrals/incoming/{referral_id}/accept"
            received = await casework.post(accept, headers=PARTNER)
            assert received.status_code == 200, received.text
    return str(received.json()["case_id"])


async def book(system: System, case_id: str) -> str:
    """An appointment of the case, 90 minutes after the notifications clock's start."""
    async with httpx.AsyncClient(base_url=system.casework.url) as casework:
        booked = await casework.post(
            f"/cases/{case_id}/appointments",
            json={"kind": "lawyer", "starts_at": STARTS_AT.isoformat(), "place": "Cabinet Me M."},
            headers=PARTNER,
        )
    assert booked.status_code == 201, booked.text
    return str(booked.json()["id"])


async def messages_of(system: System, appointment_id: str) -> list[dict[str, str]]:
    """The appointment's messages as notifications shows them to the partner (may be none)."""
    async with httpx.AsyncClient(base_url=system.notifications.url, timeout=60) as http:
        response = await http.get(f"/appointments/{appointment_id}/messages", headers=PARTNER)
    return list(response.json()) if response.status_code == 200 else []


async def settled(system: System, appointment_id: str, count: int) -> list[dict[str, str]]:
    """The appointment's `count` messages, once each has reached a final state."""
    return await eventually(
        lambda: messages_of(system, appointment_id),
        lambda found: len(found) == count and all(m["status"] in SETTLED for m in found),
        timeout=60,
        what=f"{count} settled message(s) of the appointment",
    )


async def sent_to_the_person(system: System) -> list[str]:
    """References of the reminders the provider took for the person's number."""
    return [
        m["reference"]
        for m in await system.fake.messages()
        if m["to"] == E164 and not m["reference"].startswith("inbound:")
    ]


async def test_after_stop_every_later_message_settles_blocked_and_erasure_forgets(
    system: System,
) -> None:
    await system.fake.clear()
    person_id = await register(system)
    case_id = await case_for_referral(system, await refer(system, person_id))

    first = await book(system, case_id)
    [reminder] = await settled(system, first, 1)
    assert reminder["status"] in ("sent", "delivered")
    assert await sent_to_the_person(system) == [f"{first}:two_hours:r1"]

    async with httpx.AsyncClient(base_url=system.notifications.url) as notifications:
        webhook = f"{system.notifications.url}/webhooks/sms/inbound"
        stop = await system.fake.control(
            "POST", "inbound", json={"from": E164, "body": "STOP", "webhook": webhook}
        )
        assert stop.json()["webhook_status"] == 200

        second = await book(system, case_id)
        [blocked] = await settled(system, second, 1)
        assert (blocked["status"], blocked["reason"]) == ("blocked", "opted_out")

        resend = await notifications.post(f"/messages/{reminder['id']}/resend", headers=PARTNER)
        assert resend.status_code == 201, resend.text
        again = {m["id"]: m for m in await settled(system, first, 2)}[resend.json()["id"]]
        assert (again["status"], again["reason"]) == ("blocked", "opted_out")
        assert again["requested_by"] == "lea"
        assert await sent_to_the_person(system) == [f"{first}:two_hours:r1"], "nothing after STOP"

        async with httpx.AsyncClient(base_url=system.intake.url) as intake:
            erased = await intake.post(f"/persons/{person_id}/erasure", headers=DESK)
        assert erased.status_code == 200, erased.text
        await eventually(
            lambda: notifications.get(f"/contacts/{person_id}", headers=DESK),
            lambda r: r.status_code == 404,
            timeout=60,
            what="notifications forgets the person",
        )
    async with httpx.AsyncClient(base_url=system.casework.url) as casework:
        case = await casework.get(f"/cases/{case_id}", headers=PARTNER)
    assert case.status_code == 200, "the case stays, without the person's data"
