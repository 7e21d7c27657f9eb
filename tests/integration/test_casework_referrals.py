"""Casework opens one case per legal or administrative referral (real Kafka and PostgreSQL)."""

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
from shared.testing.wait import eventually, running
from tests.integration.conftest import token
from tests.integration.kafka_tools import produce_raw, unique_topic

pytestmark = pytest.mark.integration

CIMADE = "assoc-la-cimade"
PARTNER = token(CIMADE, "caseworker")
OTHER = token("assoc-other", "caseworker")
COORDINATOR = token("city-montreuil", "coordinator")
REQUESTED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


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
        database_url=pg_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )
    service = bootstrap(settings)
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


async def test_a_legal_support_referral_opens_one_case_in_the_partners_organisation(
    casework: Casework,
) -> None:
    person_id = str(uuid.uuid4())
    event = referral(person_id)
    sent = envelope(event)
    await publish(casework, sent)

    [case] = await opened_cases(casework, person_id, 1)
    assert case["organisation_id"] == CIMADE
    assert case["person_id"] == person_id
    assert case["referral_id"] == event.referral_id
    assert case["service"] == "legal_support"
    assert case["status"] == "open"
    assert case["version"] == 1
    # the referral's own time: a replay of intake's events opens it at the same moment
    assert datetime.fromisoformat(case["opened_at"]) == REQUESTED_AT
    uuid.UUID(case["id"])

    opened, accepted = await published(casework)
    assert opened["type"] == "casework.case_opened.v1"
    assert opened["data"]["case_id"] == case["id"]
    assert accepted["type"] == "casework.referral_accepted.v1"
    assert accepted["data"] == {
        "referral_id": event.referral_id,
        "person_id": person_id,
        "organisation_id": CIMADE,
        "case_id": case["id"],
        "accepted_at": REQUESTED_AT.isoformat().replace("+00:00", "Z"),
    }
    for answer in (opened, accepted):
        assert answer["causationid"] == sent.id, "each answer names the event it answers"
        assert answer["actor"] == "service:casework"


async def test_the_same_referral_delivered_again_opens_no_second_case(
    casework: Casework,
) -> None:
    person_id = str(uuid.uuid4())
    event = referral(person_id)
    first = envelope(event)
    resent = envelope(event)  # another envelope (new id) carrying the same referral
    later = referral(person_id, "administrative_help")
    await publish(casework, first, first, resent, envelope(later))

    # the later referral sits behind the others on the person's partition
    await opened_cases(casework, person_id, 2)
    cases = (await cases_of(casework, person_id, COORDINATOR))["items"]
    assert sorted(c["referral_id"] for c in cases) == sorted([event.referral_id, later.referral_id])
    accepted = [e for e in await published(casework) if e["type"].endswith("referral_accepted.v1")]
    assert sorted(e["data"]["referral_id"] for e in accepted) == sorted(
        [event.referral_id, later.referral_id]
    ), "one acceptance per referral, however often it was delivered"


async def test_a_referral_to_a_service_casework_does_not_provide_opens_nothing(
    casework: Casework,
) -> None:
    person_id = str(uuid.uuid4())
    course = envelope(referral(person_id, "french_course"))
    await publish(casework, course)

    await handled(casework, course)
    assert (await cases_of(casework, person_id, COORDINATOR))["total"] == 0


async def test_a_case_is_visible_to_its_organisation_and_coordinators_only(
    casework: Casework,
) -> None:
    person_id = str(uuid.uuid4())
    elsewhere = referral(person_id, "administrative_help", partner_id="assoc-other")
    await publish(casework, envelope(referral(person_id)), envelope(elsewhere))
    cases = await opened_cases(casework, person_id, 2)
    ours = next(c for c in cases if c["organisation_id"] == CIMADE)
    path = f"/cases/{ours['id']}"

    read = await casework.client.get(path, headers=PARTNER)
    assert read.status_code == 200
    assert read.json() == ours
    assert (await casework.client.get(path, headers=COORDINATOR)).status_code == 200
    hidden = await casework.client.get(path, headers=OTHER)
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    not_staff = await casework.client.get(path, headers=token(CIMADE, "auditor"))
    assert not_staff.status_code == 403
    assert (await casework.client.get("/cases/not-a-uuid", headers=PARTNER)).status_code == 422

    listed = await cases_of(casework, person_id, PARTNER)
    assert [c["id"] for c in listed["items"]] == [ours["id"]]
    other = await cases_of(casework, person_id, OTHER)
    assert [c["organisation_id"] for c in other["items"]] == ["assoc-other"]
    assert (await cases_of(casework, person_id, COORDINATOR))["total"] == 2
    unfiltered = await casework.client.get("/cases", headers=PARTNER)
    assert unfiltered.json()["total"] == 1
    paged = await casework.client.get("/cases", params={"limit": 1}, headers=COORDINATOR)
    assert (paged.json()["total"], len(paged.json()["items"])) == (2, 1)
    too_big = await casework.client.get("/cases", params={"limit": 1000}, headers=PARTNER)
    assert too_big.status_code == 422
