"""A legal or administrative referral from intake waits in the partner's inbox; the partner's
acceptance (or its opt-in for the service) opens one case (real Kafka and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from services.casework.app import create_app
from services.casework.bootstrap import bootstrap
from services.casework.models import inbox_table, outbox_table
from services.casework.settings import CaseworkSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.consumer import ConsumerRunner
from shared.events.catalog import default_registry
from shared.events.envelope import Envelope, canonical_json
from shared.events.intake import ReferralRequested
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.runtime import Runtime
from tests.integration.conftest import token
from tests.integration.kafka_tools import produce_raw, unique_topic
from tests.support.wait import eventually, running

pytestmark = pytest.mark.integration

CIMADE = "assoc-la-cimade"
PARTNER = token(CIMADE, "caseworker")
OTHER = token("assoc-other", "caseworker")
COORDINATOR = token("city-montreuil", "coordinator")
REQUESTED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ANSWERED_AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@dataclass
class Casework:
    """Casework in process: its runtime, an HTTP client, and the topic standing for intake's."""

    runtime: Runtime
    client: httpx.AsyncClient
    bootstrap: str
    topic: str


@pytest.fixture
async def casework(pg_url: str, kafka_bootstrap: str) -> AsyncIterator[Casework]:
    """Casework on a fresh database, its referrals consumer reading a fresh topic."""
    settings = CaseworkSettings(
        development=True,
        database_url=pg_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )
    service = bootstrap(settings)
    service.clock = lambda: ANSWERED_AT
    runtime = service.runtime
    await upgrade(runtime.engine, runtime.migrations)
    topic = unique_topic("intake")
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    # the consumer bootstrap wires, on this test's own topic and group
    config = dataclasses.replace(
        runtime.consumers[0].config,
        name=f"casework.intake-{uuid.uuid4().hex[:6]}",
        topics=[topic],
    )
    runner = ConsumerRunner(
        config,
        default_registry(),
        runtime.sessions,
        kafka_bootstrap,
        session_timeout_ms=6000,
        outbox=runtime.outbox,
    )
    transport = httpx.ASGITransport(app=create_app(service))
    async with (
        running(runner.run),
        httpx.AsyncClient(transport=transport, base_url="http://casework") as client,
    ):
        yield Casework(runtime, client, kafka_bootstrap, topic)
    await service.close()


def referral(person_id: str, service: str = "legal_support", **fields: str) -> ReferralRequested:
    """Intake's event for a referral of the person to La Cimade."""
    return ReferralRequested(
        person_id=person_id,
        referral_id=fields.get("referral_id", str(uuid.uuid4())),
        partner_id=fields.get("partner_id", CIMADE),
        service=service,
        requested_at=REQUESTED_AT,
    )


def envelope(event: ReferralRequested) -> Envelope:
    """The event as intake's relay would publish it."""
    return Envelope(
        id=str(uuid.uuid4()),
        source="intake",
        type=event.TYPE,
        subject=event.aggregate_key(),
        time=datetime.now(UTC),
        data=event.model_dump(mode="json"),
    )


async def publish(casework: Casework, *envelopes: Envelope) -> None:
    """Write the envelopes, in order, keyed by person as intake does (one partition)."""
    records = [(e.subject, canonical_json(e.to_wire())) for e in envelopes]
    await produce_raw(casework.bootstrap, casework.topic, records)


async def cases_of(casework: Casework, person_id: str, headers: dict[str, str]) -> dict:
    """The cases list for one person, as the caller sees it."""
    response = await casework.client.get("/cases", params={"person_id": person_id}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def opened_cases(casework: Casework, person_id: str, count: int) -> list[dict]:
    """The person's cases once `count` of them are open (seen by a coordinator)."""
    page = await eventually(
        lambda: cases_of(casework, person_id, COORDINATOR),
        lambda page: page["total"] >= count,
        timeout=60,
        what=f"{count} case(s) opened",
    )
    return list(page["items"])


async def handled(casework: Casework, *events: Envelope) -> None:
    """Wait until the consumer has claimed these events in its inbox."""

    async def claimed() -> set[str]:
        async with casework.runtime.sessions() as session:
            rows = await session.execute(select(inbox_table.c.event_id))
            return set(rows.scalars())

    wanted = {e.id for e in events}
    await eventually(claimed, lambda ids: wanted <= ids, timeout=60, what="events handled")


async def published(casework: Casework) -> list[dict]:
    """Casework's own event log (its outbox), oldest first."""
    async with casework.runtime.sessions() as session:
        rows = await session.execute(select(outbox_table.c.envelope).order_by(outbox_table.c.seq))
        return [json.loads(e) for e in rows.scalars()]


async def incoming(casework: Casework, headers: dict[str, str] = PARTNER) -> dict:
    """The referrals the caller's organisation received, pending first."""
    response = await casework.client.get("/referrals/incoming", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def arrived(casework: Casework, count: int, headers: dict[str, str] = PARTNER) -> list[dict]:
    """The organisation's inbox once `count` referrals are in it."""
    page = await eventually(
        lambda: incoming(casework, headers),
        lambda page: page["total"] >= count,
        timeout=60,
        what=f"{count} referral(s) received",
    )
    return list(page["items"])


async def accept(casework: Casework, referral_id: str, headers: dict[str, str] = PARTNER) -> dict:
    response = await casework.client.post(
        f"/referrals/incoming/{referral_id}/accept", headers=headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def opt_in(casework: Casework, organisation: str, *services: str) -> None:
    """The organisation's coordinator chooses the services it accepts on arrival."""
    response = await casework.client.put(
        "/referrals/settings",
        json={"auto_accept": list(services)},
        headers=token(organisation, "coordinator"),
    )
    assert response.status_code == 200, response.text


def zulu(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def test_a_legal_support_referral_waits_in_the_partners_inbox_until_it_accepts(
    casework: Casework,
) -> None:
    person_id = str(uuid.uuid4())
    event = referral(person_id)
    await publish(casework, envelope(event))

    [waiting] = await arrived(casework, 1)
    assert (waiting["id"], waiting["status"], waiting["case_id"]) == (
        event.referral_id,
        "pending",
        None,
    )
    assert datetime.fromisoformat(waiting["requested_at"]) == REQUESTED_AT
    assert (await cases_of(casework, person_id, COORDINATOR))["total"] == 0
    assert await published(casework) == [], "nothing is answered for the partner"

    accepted = await accept(casework, event.referral_id)
    [case] = await opened_cases(casework, person_id, 1)
    assert accepted["case_id"] == case["id"]
    assert (case["organisation_id"], case["person_id"]) == (CIMADE, person_id)
    assert (case["referral_id"], case["service"]) == (event.referral_id, "legal_support")
    assert (case["status"], case["version"]) == ("open", 1)
    assert datetime.fromisoformat(case["opened_at"]) == ANSWERED_AT, "opened when accepted"
    uuid.UUID(case["id"])

    opened, answer = await published(casework)
    assert opened["type"] == "casework.case_opened.v1"
    assert opened["data"]["case_id"] == case["id"]
    assert answer["type"] == "casework.referral_accepted.v1"
    assert answer["data"] == {
        "referral_id": event.referral_id,
        "person_id": person_id,
        "organisation_id": CIMADE,
        "case_id": case["id"],
        "accepted_at": zulu(ANSWERED_AT),
    }
    assert {opened["actor"], answer["actor"]} == {"desk"}, "the partner's caseworker answered"


async def test_with_the_partners_opt_in_a_referral_opens_its_case_on_arrival(
    casework: Casework,
) -> None:
    await opt_in(casework, CIMADE, "legal_support")
    person_id = str(uuid.uuid4())
    event = referral(person_id)
    sent = envelope(event)
    await publish(casework, sent, sent, envelope(event))

    [case] = await opened_cases(casework, person_id, 1)
    assert (case["organisation_id"], case["referral_id"]) == (CIMADE, event.referral_id)
    # the referral's own time: a replay of intake's events opens it at the same moment
    assert datetime.fromisoformat(case["opened_at"]) == REQUESTED_AT
    [taken] = (await incoming(casework))["items"]
    assert (taken["status"], taken["automatic"], taken["case_id"]) == (
        "accepted",
        True,
        case["id"],
    )
    opened, answer = await published(casework)
    assert opened["type"] == "casework.case_opened.v1"
    assert answer["type"] == "casework.referral_accepted.v1"
    assert answer["data"]["accepted_at"] == zulu(REQUESTED_AT)
    for each in (opened, answer):
        assert each["causationid"] == sent.id, "each answer names the event it answers"
        assert each["actor"] == "service:casework"


async def test_the_same_referral_delivered_again_arrives_once_and_opens_one_case(
    casework: Casework,
) -> None:
    person_id = str(uuid.uuid4())
    event = referral(person_id)
    first = envelope(event)
    resent = envelope(event)  # another envelope (new id) carrying the same referral
    later = referral(person_id, "administrative_help")
    await publish(casework, first, first, resent, envelope(later))

    # the later referral sits behind the others on the person's partition
    received = await arrived(casework, 2)
    assert sorted(r["id"] for r in received) == sorted([event.referral_id, later.referral_id])
    for each in received:
        await accept(casework, each["id"])
    once_more = envelope(event)  # after the answer
    await publish(casework, once_more)
    await handled(casework, once_more)
    cases = (await cases_of(casework, person_id, COORDINATOR))["items"]
    assert sorted(c["referral_id"] for c in cases) == sorted([event.referral_id, later.referral_id])
    assert (await incoming(casework))["total"] == 2
    accepted = [e for e in await published(casework) if e["type"].endswith("referral_accepted.v1")]
    assert sorted(e["data"]["referral_id"] for e in accepted) == sorted(
        [event.referral_id, later.referral_id]
    ), "one acceptance per referral, however often it was delivered"


async def test_a_referral_to_a_service_casework_does_not_provide_arrives_nowhere(
    casework: Casework,
) -> None:
    await opt_in(casework, CIMADE, "legal_support", "administrative_help")
    person_id = str(uuid.uuid4())
    course = envelope(referral(person_id, "french_course"))
    await publish(casework, course)

    await handled(casework, course)
    assert (await incoming(casework))["total"] == 0
    assert (await cases_of(casework, person_id, COORDINATOR))["total"] == 0


async def test_a_case_is_visible_to_its_organisation_and_coordinators_only(
    casework: Casework,
) -> None:
    person_id = str(uuid.uuid4())
    ours = referral(person_id)
    elsewhere = referral(person_id, "administrative_help", partner_id="assoc-other")
    await publish(casework, envelope(ours), envelope(elsewhere))
    await arrived(casework, 1)
    await arrived(casework, 1, OTHER)
    await accept(casework, ours.referral_id)
    await accept(casework, elsewhere.referral_id, OTHER)
    cases = await opened_cases(casework, person_id, 2)
    mine = next(c for c in cases if c["organisation_id"] == CIMADE)
    path = f"/cases/{mine['id']}"

    read = await casework.client.get(path, headers=PARTNER)
    assert read.status_code == 200
    assert read.json() == mine
    assert (await casework.client.get(path, headers=COORDINATOR)).status_code == 200
    hidden = await casework.client.get(path, headers=OTHER)
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    not_staff = await casework.client.get(path, headers=token(CIMADE, "auditor"))
    assert not_staff.status_code == 403
    assert (await casework.client.get("/cases/not-a-uuid", headers=PARTNER)).status_code == 422

    listed = await cases_of(casework, person_id, PARTNER)
    assert [c["id"] for c in listed["items"]] == [mine["id"]]
    other = await cases_of(casework, person_id, OTHER)
    assert [c["organisation_id"] for c in other["items"]] == ["assoc-other"]
    assert (await cases_of(casework, person_id, COORDINATOR))["total"] == 2
    unfiltered = await casework.client.get("/cases", headers=PARTNER)
    assert unfiltered.json()["total"] == 1
    paged = await casework.client.get("/cases", params={"limit": 1}, headers=COORDINATOR)
    assert (paged.json()["total"], len(paged.json()["items"])) == (2, 1)
    too_big = await casework.client.get("/cases", params={"limit": 1000}, headers=PARTNER)
    assert too_big.status_code == 422
