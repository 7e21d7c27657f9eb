"""End to end, audit over what intake, casework, notifications and housing really published:
a person's journey across the four services, read back by an auditor as one timeline (every
event about them, in order, with who did it and for which organisation, and nothing else); a
case as it stood at three instants, equal to what casework answered then; and after the
person's erasure, `[erased]` in the timeline, no canary in audit's database, and `replay`
still verifying every chain. Real processes and Kafka, on PostgreSQL.

Every process of the module writes and reads topics of its own (see `audit_world`)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.audit_world import auditing, isolated, outbox, replay, signing_key
from tests.e2e.services import (
    MASTER_KEY,
    ServiceProcess,
    a_noon_ahead,
    running,
    sms_through,
    token,
)
from tests.e2e.test_erasure_everywhere import database_text
from tests.integration.fake_sms_process import FakeSmsProcess
from tests.integration.test_audit_api import assert_same_case
from tests.support.infra import fresh_database
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

CITY, CIMADE, GISTI, SHELTER = "city-montreuil", "assoc-la-cimade", "assoc-gisti", "assoc-labri"
DESK = token(CITY, "intake", "caseworker", user="sami")
CITY_CASEWORKER = token(CITY, "caseworker", user="lea")
COORDINATOR = token(CITY, "coordinator", user="odile")
AT_CIMADE = token(CIMADE, "caseworker", user="ines")
AT_GISTI = token(GISTI, "caseworker", user="yann")
AUDITOR = token("city-inspection", "auditor", user="anne")
CANARIES = {"name": "Qwzxaudit Canaryname", "phone": "+33698765432"}
CLOCK_START = a_noon_ahead()  # notifications' clock: no quiet hours
STARTS_AT = CLOCK_START + timedelta(minutes=90)
SOURCES = ("intake", "casework", "notifications", "housing")
READS = ".personal_data_read.v1"


@dataclass
class System:
    services: dict[str, ServiceProcess]
    audit: ServiceProcess

    def url(self, name: str) -> str:
        return self.services[name].url


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, pg_server_url: str) -> Iterator[System]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    prefix = f"e2e-audit-{uuid.uuid4().hex[:8]}."
    keys = {source: signing_key(source) for source in SOURCES}
    fake = FakeSmsProcess(log_dir / f"fake-sms-{uuid.uuid4().hex[:6]}.log")
    fake.start()
    databases = [fresh_database(pg_server_url) for _ in range(5)]
    try:
        urls = [database.__enter__() for database in databases]
        intake = ServiceProcess(
            "intake", urls[0], kafka_bootstrap, log_dir, extra_env={"INTAKE_MASTER_KEY": MASTER_KEY}
        )
        by_intake = {"KEY_STORE__URL": intake.url}
        casework = ServiceProcess("casework", urls[1], kafka_bootstrap, log_dir)
        casework.extra_env = {f"CASEWORK_{k}": v for k, v in by_intake.items()}
        notifications = ServiceProcess("notifications", urls[2], kafka_bootstrap, log_dir)
        notifications.extra_env = {
            **sms_through(fake),
            "NOTIFICATIONS_KEY_STORE__URL": intake.url,
            "NOTIFICATIONS_CLOCK_START": CLOCK_START.isoformat(),
            "NOTIFICATIONS_PUBLIC_URL": notifications.url,
        }
        housing = ServiceProcess(
            "housing",
            urls[3],
            kafka_bootstrap,
            log_dir,
            extra_env={"HOUSING_KEY_STORE__URL": intake.url, "HOUSING_OPERATOR": SHELTER},
        )
        services = {s.name: s for s in (intake, casework, notifications, housing)}
        for name, service in services.items():
            isolated(service, prefix, keys[name])
        audit = auditing(urls[4], kafka_bootstrap, log_dir, intake, keys, prefix)
        with running(intake, casework, notifications, housing, audit):
            yield System(services, audit)
    finally:
        for database in reversed(databases):
            database.__exit__(None, None, None)
        fake.stop()


async def about_the_person(system: System, person_id: str) -> list[dict[str, Any]]:
    """Every event the four services' outboxes hold about the person (keyed by them, or naming
    them in `data.person_id`), their reads of the person's data aside."""
    found = []
    for name, service in system.services.items():
        for envelope in await outbox(service.database_url):
            about = envelope["subject"] == person_id or (
                (envelope.get("data") or {}).get("person_id") == person_id
            )
            if about and not envelope["type"].endswith(READS):
                found.append({**envelope, "source": name})
    return found


def as_entry(envelope: dict[str, Any]) -> tuple[Any, ...]:
    """What a timeline entry must show of an envelope."""
    time = datetime.fromisoformat(envelope["time"])
    return (time, envelope["source"], envelope["seq"], envelope["type"],
            envelope.get("actor"), envelope.get("actororg"), envelope["subject"])  # fmt: skip


async def timeline(system: System, person_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=system.audit.url, timeout=30) as audit:
        answer = await audit.get(f"/persons/{person_id}/timeline", headers=AUDITOR)
    return dict(answer.json()) if answer.status_code == 200 else {"entries": []}


async def timeline_matches(system: System, person_id: str) -> tuple[list[Any], list[Any]]:
    """The timeline audit shows and the one the outboxes tell (both as entries, in order)."""
    expected = sorted(
        (as_entry(e) for e in await about_the_person(system, person_id)),
        key=lambda e: (e[0], e[1], e[2]),
    )
    shown = [as_entry(e) for e in (await timeline(system, person_id))["entries"]]
    return shown, expected


async def a_journey(system: System) -> str:
    """A person registered at the city's desk with SMS reminders, referred to La Cimade (whose
    case books an appointment, reminded by notifications) and to the shelter (housing opens a
    placement request); the person's id."""
    async with httpx.AsyncClient(base_url=system.url("intake"), timeout=30) as intake:
        for partner, service in ((CIMADE, "legal_support"), (GISTI, "legal_support"),
                                 (SHELTER, "emergency_shelter")):  # fmt: skip
            partnership = {"id": partner, "name": partner, "services": [service]}
            await intake.post("/partners", json=partnership, headers=COORDINATOR)
        body = {"chosen_name": CANARIES["name"], "phone": CANARIES["phone"], "sms_consent": True}
        person = await intake.post("/persons", json=body, headers=DESK)
        assert person.status_code == 201, person.text
        person_id = str(person.json()["id"])
        referrals = {}
        for partner, service in ((CIMADE, "legal_support"), (SHELTER, "emergency_shelter")):
            consent = {"purpose": "share_with_partner", "partner_id": partner}
            given = await intake.post(f"/persons/{person_id}/consents", json=consent, headers=DESK)
            assert given.status_code == 201, given.text
            referred = await intake.post(
                f"/persons/{person_id}/referrals",
                json={"partner_id": partner, "service": service},
                headers=DESK,
            )
            assert referred.status_code == 201, referred.text
            referrals[partner] = str(referred.json()["id"])
    case_id = await accepted(system, referrals[CIMADE])
    async with httpx.AsyncClient(base_url=system.url("casework"), timeout=30) as casework:
        booked = await casework.post(
            f"/cases/{case_id}/appointments",
            json={"kind": "lawyer", "starts_at": STARTS_AT.isoformat(), "place": "Cabinet Me M."},
            headers=AT_CIMADE,
        )
        assert booked.status_code == 201, booked.text
    return person_id


async def accepted(system: System, referral_id: str) -> str:
    """La Cimade's case for the referral, accepted once it reached their inbox."""
    async with httpx.AsyncClient(base_url=system.url("casework"), timeout=30) as casework:
        received = await eventually(
            lambda: casework.get(f"/referrals/incoming/{referral_id}", headers=AT_CIMADE),
            lambda r: r.status_code == 200,
            timeout=90,
            what="the referral in La Cimade's inbox",
        )
        if received.json()["case_id"] is None:
            path = f"/referrals/incoming/{referral_id}/accept"
            received = await casework.post(path, headers=AT_CIMADE)
            assert received.status_code == 200, received.text
    return str(received.json()["case_id"])


@pytest.fixture(scope="module")
async def person_id(system: System) -> str:
    return await a_journey(system)


async def test_a_persons_timeline_is_every_event_about_them_in_order_and_nothing_else(
    system: System, person_id: str
) -> None:
    def complete(found: tuple[list[Any], list[Any]]) -> bool:
        shown, expected = found
        sources = {entry[1] for entry in expected}
        return sources == set(SOURCES) and shown == expected

    shown, _expected = await eventually(
        lambda: timeline_matches(system, person_id),
        complete,
        timeout=120,
        interval=1.0,
        what="audit's timeline equal to what the four outboxes hold about the person",
    )
    assert len(shown) >= 10
    answer = await timeline(system, person_id)
    assert answer["erased"] is False
    registered = next(e for e in answer["entries"] if e["type"] == "intake.person_registered.v1")
    assert registered["data"]["chosen_name"] == CANARIES["name"], "readable while the key exists"
    assert (registered["actor"], registered["actororg"]) == ("sami", CITY)
    assert {(e["actor"], e["actororg"]) for e in answer["entries"]} >= {
        ("sami", CITY),
        ("ines", CIMADE),
    }
    async with httpx.AsyncClient(base_url=system.audit.url, timeout=30) as audit:
        refused = await audit.get(f"/persons/{person_id}/timeline", headers=CITY_CASEWORKER)
    assert refused.status_code == 403, "a caseworker cannot call the audit API"


async def casework_answers(system: System, case_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """What casework answers about the case now: the case and its deadlines."""
    async with httpx.AsyncClient(base_url=system.url("casework"), timeout=30) as casework:
        case = await casework.get(f"/cases/{case_id}", headers=headers)
        deadlines = await casework.get(f"/cases/{case_id}/deadlines", headers=headers)
    assert case.status_code == deadlines.status_code == 200, case.text + deadlines.text
    return {"case": case.json(), "deadlines": deadlines.json()}


async def test_a_case_as_of_three_instants_is_what_casework_answered_then(
    system: System, person_id: str
) -> None:
    answered: dict[datetime, dict[str, Any]] = {}
    async with (
        httpx.AsyncClient(base_url=system.url("casework"), timeout=30) as casework,
        httpx.AsyncClient(base_url=system.url("intake"), timeout=30) as intake,
    ):
        body = {"person_id": person_id, "case_type": "cnda_appeal", "on": "2026-03-02"}
        opened = await eventually(
            lambda: casework.post("/cases", json=body, headers=CITY_CASEWORKER),
            lambda r: r.status_code == 201,
            timeout=60,
            what="the city's case opened (casework knows the person)",
        )
        case_id = str(opened.json()["id"])
        answered[datetime.now(UTC)] = await casework_answers(system, case_id, CITY_CASEWORKER)

        consent = {"purpose": "share_with_partner", "partner_id": GISTI}
        given = await intake.post(f"/persons/{person_id}/consents", json=consent, headers=DESK)
        assert given.status_code == 201, given.text
        transfer = await eventually(
            lambda: casework.post(
                f"/cases/{case_id}/shares",
                json={"organisation_id": GISTI, "kind": "transfer"},
                headers=CITY_CASEWORKER,
            ),
            lambda r: r.status_code == 201,
            timeout=60,
            what="the transfer offered (casework knows the consent)",
        )
        taken = await casework.post(f"/shares/{transfer.json()['id']}/accept", headers=AT_GISTI)
        assert taken.status_code == 200, taken.text
        at_transfer = await casework_answers(system, case_id, AT_GISTI)
        answered[datetime.now(UTC)] = at_transfer

        moved = await casework.post(
            f"/cases/{case_id}/transitions",
            json={
                "to": "appeal_lodged",
                "on": "2026-03-03",
                "version": at_transfer["case"]["version"],
            },
            headers=AT_GISTI,
        )
        assert moved.status_code == 200, moved.text
        answered[datetime.now(UTC)] = met = await casework_answers(system, case_id, AT_GISTI)
    assert [d["status"] for d in met["deadlines"]] == ["met"]
    assert at_transfer["case"]["organisation_id"] == GISTI

    async with httpx.AsyncClient(base_url=system.audit.url, timeout=30) as audit:

        async def audited(instant: datetime) -> httpx.Response:
            params = {"as_of": instant.isoformat()}
            return await audit.get(f"/cases/{case_id}", params=params, headers=AUDITOR)

        last = max(answered)
        await eventually(
            lambda: audited(last),
            lambda r: r.status_code == 200 and r.json()["version"] == met["case"]["version"],
            timeout=60,
            what="audit has casework's events of the case",
        )
        for instant, expected in answered.items():
            assert_same_case((await audited(instant)).json(), expected)
        first = min(answered)
        opened_at = datetime.fromisoformat(answered[first]["case"]["opened_at"])
        before = await audited(opened_at - timedelta(seconds=1))
        assert before.status_code == 404, "no case before it was opened"


async def test_after_erasure_the_timeline_says_erased_no_canary_and_replay_verifies(
    system: System, person_id: str
) -> None:
    async with httpx.AsyncClient(base_url=system.url("intake"), timeout=30) as intake:
        erased = await intake.post(f"/persons/{person_id}/erasure", headers=DESK)
        assert erased.status_code == 200, erased.text

    def registered_name(answer: dict[str, Any]) -> Any:
        entries = [e for e in answer["entries"] if e["type"] == "intake.person_registered.v1"]
        return entries[0]["data"].get("chosen_name") if entries else None

    answer = await eventually(
        lambda: timeline(system, person_id),
        lambda a: (
            a.get("erased") is True
            and any(e["type"] == "intake.person_erased.v1" for e in a["entries"])
        ),
        timeout=60,
        what="audit's timeline after the erasure",
    )
    assert registered_name(answer) == "[erased]"
    assert all(canary not in json.dumps(answer) for canary in CANARIES.values())
    shown, _expected = await eventually(
        lambda: timeline_matches(system, person_id),
        lambda found: found[0] == found[1],
        timeout=60,
        interval=1.0,
        what="the timeline still every event about the person",
    )
    assert any(entry[3] == "intake.person_erased.v1" for entry in shown)

    dump = await database_text(system.audit.database_url)
    assert person_id in dump, "the dump does read audit's tables"
    for kind, canary in CANARIES.items():
        assert canary not in dump, f"{kind} readable in audit's database"

    async def verified_heads() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=system.audit.url, timeout=30) as audit:
            return dict((await audit.get("/readyz")).json())

    ready = await eventually(
        verified_heads,
        lambda r: all(r["chains"][s]["status"] == "ok" for s in SOURCES),
        timeout=60,
        what="every chain verified by audit's worker",
    )
    assert ready["breaks"] == [], ready["breaks"]
    replayed = replay(system.audit)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "every chain and checkpoint verified" in replayed.stdout
    assert person_id in replayed.stdout, "the erased person is counted"
