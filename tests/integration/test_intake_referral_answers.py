"""Casework's answers move intake's referrals, once, whatever the redeliveries (real Kafka and
PostgreSQL)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from services.intake.bootstrap import Intake
from services.intake.models import outbox_table, parked_table
from shared.consumer import ConsumerRunner
from shared.crypto import encrypt_field
from shared.events.base import Event
from shared.events.casework import ReferralAccepted, ReferralDeclined, decline_reason_aad
from shared.events.catalog import default_registry
from shared.events.envelope import Envelope, canonical_json
from shared.kafka import ensure_topics
from tests.integration.conftest import token
from tests.integration.kafka_tools import produce_raw, unique_topic
from tests.support.wait import eventually, running

pytestmark = pytest.mark.integration

CITY, CIMADE = "city-montreuil", "assoc-la-cimade"
DESK = token(CITY, "intake", "caseworker")
ACCEPTED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
REASON = "Nous ne suivons plus de dossiers Dublin"


@pytest.fixture
async def answers(intake: Intake, kafka_bootstrap: str) -> AsyncIterator[str]:
    """The consumer intake wires, reading a fresh topic standing for casework's; its name."""
    topic = unique_topic("casework")
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    config = dataclasses.replace(
        intake.runtime.consumers[0].config,
        name=f"intake.referral_answers-{uuid.uuid4().hex[:6]}",
        topics=[topic],
    )
    runner = ConsumerRunner(
        config,
        default_registry(),
        intake.runtime.sessions,
        kafka_bootstrap,
        session_timeout_ms=6000,
        outbox=intake.runtime.outbox,
    )
    async with running(runner.run):
        yield topic


async def referral_to_cimade(client: httpx.AsyncClient) -> dict:
    partner = {"id": CIMADE, "name": "La Cimade", "services": ["legal_support"]}
    coordinator = token(CITY, "coordinator")
    registered = await client.post("/partners", json=partner, headers=coordinator)
    assert registered.status_code in (201, 409), "registered now, or by an earlier referral"
    person_id = (await client.post("/persons", json={"chosen_name": "Farid"}, headers=DESK)).json()[
        "id"
    ]
    await client.post(
        f"/persons/{person_id}/consents",
        json={"purpose": "share_with_partner", "partner_id": CIMADE},
        headers=DESK,
    )
    referred = await client.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": CIMADE, "service": "legal_support"},
        headers=DESK,
    )
    assert referred.status_code == 201
    return dict(referred.json())


def accepted(referral: dict, **fields: str) -> Envelope:
    event = ReferralAccepted(
        referral_id=fields.get("referral_id", referral["id"]),
        person_id=referral["person_id"],
        organisation_id=fields.get("organisation_id", CIMADE),
        case_id=fields.get("case_id", str(uuid.uuid4())),
        accepted_at=ACCEPTED_AT,
    )
    return wrapped(event)


async def declined(intake: Intake, referral: dict, sealed_for: str | None = None) -> Envelope:
    """Casework's decline, its reason sealed with the person's key for this referral (or, to
    stand for a forgery, for another one)."""
    async with intake.runtime.sessions() as session:
        key = await intake.keys.get(session, referral["person_id"])
    aad = decline_reason_aad(sealed_for or referral["id"])
    event = ReferralDeclined(
        referral_id=referral["id"],
        person_id=referral["person_id"],
        organisation_id=CIMADE,
        reason=encrypt_field(key, REASON, aad=aad),
        declined_at=ACCEPTED_AT,
    )
    return wrapped(event)


def wrapped(event: Event) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source="casework",
        type=event.TYPE,
        subject=event.aggregate_key(),
        time=datetime.now(UTC),
        data=event.model_dump(mode="json"),
    )


async def publish(bootstrap: str, topic: str, *envelopes: Envelope) -> None:
    records = [(e.subject, canonical_json(e.to_wire())) for e in envelopes]
    await produce_raw(bootstrap, topic, records)


async def status_changes(intake: Intake) -> list[dict]:
    async with intake.runtime.sessions() as session:
        rows = await session.execute(
            select(outbox_table.c.envelope)
            .where(outbox_table.c.type == "intake.referral_status_changed.v1")
            .order_by(outbox_table.c.seq)
        )
        return [json.loads(e) for e in rows.scalars()]


async def referral_now(client: httpx.AsyncClient, referral: dict) -> dict:
    listed = await client.get(f"/persons/{referral['person_id']}/referrals", headers=DESK)
    return dict(next(r for r in listed.json() if r["id"] == referral["id"]))


async def test_an_acceptance_delivered_twice_moves_the_referral_once(
    client: httpx.AsyncClient, intake: Intake, answers: str, kafka_bootstrap: str
) -> None:
    referral = await referral_to_cimade(client)
    answer = accepted(referral)
    await publish(kafka_bootstrap, answers, answer, answer)

    moved = await eventually(
        lambda: referral_now(client, referral),
        lambda r: r["status"] == "accepted",
        timeout=60,
        what="the referral accepted",
    )
    assert moved["partner_case_id"] == answer.data["case_id"]
    assert datetime.fromisoformat(moved["updated_at"]) == ACCEPTED_AT
    [change] = await status_changes(intake)
    assert change["data"]["status"] == "accepted"
    assert change["causationid"] == answer.id
    assert change["actor"] == "service:intake"


async def test_answers_intake_cannot_apply_are_parked_or_left_alone(
    client: httpx.AsyncClient, intake: Intake, answers: str, kafka_bootstrap: str
) -> None:
    referral = await referral_to_cimade(client)
    revoked = await client.post(f"/referrals/{referral['id']}/revoke", headers=DESK)
    assert revoked.status_code == 200
    unknown = accepted(referral, referral_id=str(uuid.uuid4()))
    impostor = accepted(referral, organisation_id="assoc-other")
    late = accepted(referral)
    await publish(kafka_bootstrap, answers, unknown)
    await publish(kafka_bootstrap, answers, late, impostor)  # one partition: late goes first

    async def parked() -> dict[str, str]:
        async with intake.runtime.sessions() as session:
            rows = (await session.execute(select(parked_table))).all()
        return {row.event_id: row.reason for row in rows}

    reasons = await eventually(parked, lambda p: len(p) >= 2, timeout=60, what="two answers parked")
    assert reasons == {unknown.id: "unknown_referral", impostor.id: "wrong_partner"}
    # the late acceptance was handled before the impostor: a revoked referral stays as it is
    now = await referral_now(client, referral)
    assert now["status"] == "revoked"
    assert now["partner_case_id"] is None
    assert [c["data"]["status"] for c in await status_changes(intake)] == ["revoked"]


async def test_a_decline_delivered_twice_moves_the_referral_once_with_its_reason(
    client: httpx.AsyncClient, intake: Intake, answers: str, kafka_bootstrap: str
) -> None:
    referral = await referral_to_cimade(client)
    other = await referral_to_cimade(client)
    # a parked answer holds back the later ones of its referral: the forgery is about another
    forged = await declined(intake, other, sealed_for=referral["id"])
    answer = await declined(intake, referral)
    await publish(kafka_bootstrap, answers, forged, answer, answer)

    moved = await eventually(
        lambda: referral_now(client, referral),
        lambda r: r["status"] == "declined",
        timeout=60,
        what="the referral declined",
    )
    assert moved["status_reason"] == REASON, "the referring organisation reads the reason"
    assert moved["partner_case_id"] is None
    assert datetime.fromisoformat(moved["updated_at"]) == ACCEPTED_AT
    [change] = await status_changes(intake)
    assert (change["data"]["status"], change["causationid"]) == ("declined", answer.id)
    assert REASON not in json.dumps(change), "intake's own event keeps the reason to itself"
    async with intake.runtime.sessions() as session:
        parked_reasons = (await session.execute(select(parked_table.c.reason))).scalars().all()
    assert parked_reasons == ["unreadable_reason"], "a reason sealed for another referral"
    assert (await referral_now(client, other))["status"] == "requested"
