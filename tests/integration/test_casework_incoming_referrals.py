"""A partner decides: a referral from intake waits in the partner's inbox until the partner
accepts it (the case opens, once) or declines it with a reason intake then shows; a partner
may opt in to accept a service's referrals on arrival. Intake and casework in process, their
events handed to each other's real consumers, on PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert, select

from services.casework.app import create_app as create_casework_app
from services.casework.bootstrap import MIGRATIONS, Casework
from services.casework.bootstrap import bootstrap as bootstrap_casework
from services.casework.models import Case, IncomingReferral
from services.casework.settings import CaseworkSettings
from services.intake.app import create_app as create_intake_app
from services.intake.bootstrap import Intake
from shared.db import create_engine, session_factory
from shared.events.envelope import canonical_json
from shared.kafka import IncomingRecord
from shared.migrations import upgrade
from tests.integration.conftest import token
from tests.integration.in_process import AUTH, Feed, client, databases, feed, migrated_intake

pytestmark = pytest.mark.integration

CITY, CIMADE, OTHER_ORG = "city-montreuil", "assoc-la-cimade", "assoc-other"
DESK = token(CITY, "intake", "caseworker")
CITY_COORDINATOR = token(CITY, "coordinator")
PARTNER = token(CIMADE, "caseworker", user="ines")
PARTNER_COORDINATOR = token(CIMADE, "coordinator", user="mona")
ANSWERED_AT = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
REASON = "Plus de place avant mars, voir le Gisti"


@dataclass
class World:
    """Intake and casework in process; each one's new events reach the other's consumer."""

    intake: Intake
    desk: httpx.AsyncClient
    casework: Casework
    http: httpx.AsyncClient
    to_casework: Feed
    to_intake: Feed

    async def sync(self) -> None:
        """Hand intake's new events to casework, then casework's answers back to intake."""
        await self.to_casework.pass_on()
        await self.to_intake.pass_on()


@pytest.fixture(params=["postgresql", "sqlite"])
async def world(
    request: pytest.FixtureRequest, pg_server_url: str, tmp_path: Path
) -> AsyncIterator[World]:
    """Intake and casework on fresh, migrated databases of the backend."""
    with databases(request.param, pg_server_url, tmp_path, "intake", "casework") as urls:
        intake = await migrated_intake(urls[0])
        intake_app = create_intake_app(intake)
        casework = bootstrap_casework(
            CaseworkSettings(development=True, database_url=urls[1], auth=AUTH),
            key_store_http=client(intake_app, "intake"),
        )
        casework.clock = lambda: ANSWERED_AT
        await upgrade(casework.runtime.engine, casework.runtime.migrations)
        async with (
            client(intake_app, "intake") as desk,
            client(create_casework_app(casework), "casework") as http,
        ):
            yield World(
                intake,
                desk,
                casework,
                http,
                feed(intake.runtime, "intake.events", casework.runtime),
                feed(casework.runtime, "casework.events", intake.runtime),
            )
        await casework.close()
        await intake.runtime.close()


async def a_person_with_consent(world: World, *services: str) -> tuple[str, str]:
    """A person at the city's desk who consents to share with La Cimade; their consent id."""
    partner = {"id": CIMADE, "name": "La Cimade", "services": list(services or ["legal_support"])}
    await world.desk.post("/partners", json=partner, headers=CITY_COORDINATOR)
    person = await world.desk.post("/persons", json={"chosen_name": "Farid"}, headers=DESK)
    assert person.status_code == 201, person.text
    consent = await world.desk.post(
        f"/persons/{person.json()['id']}/consents",
        json={"purpose": "share_with_partner", "partner_id": CIMADE},
        headers=DESK,
    )
    assert consent.status_code == 201, consent.text
    return str(person.json()["id"]), str(consent.json()["id"])


async def refer(world: World, person_id: str, service: str = "legal_support") -> str:
    """Intake refers the person to La Cimade; casework (and back) hears of it; the referral id."""
    referred = await world.desk.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": CIMADE, "service": service},
        headers=DESK,
    )
    assert referred.status_code == 201, referred.text
    await world.sync()
    return str(referred.json()["id"])


async def inbox(world: World, headers: dict[str, str], **params: str) -> dict:
    response = await world.http.get("/referrals/incoming", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def cases_of(world: World, person_id: str) -> list[dict]:
    """The person's cases, as a city coordinator (who sees every organisation's) lists them."""
    listed = await world.http.get(
        "/cases", params={"person_id": person_id}, headers=CITY_COORDINATOR
    )
    return list(listed.json()["items"])


async def casework_events(world: World, kind: str) -> list[dict]:
    table = world.casework.runtime.outbox.table
    async with world.casework.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.envelope).where(table.c.type == kind).order_by(table.c.seq)
        )
        return [json.loads(raw) for raw in rows.scalars()]


async def intake_referral(world: World, person_id: str, referral_id: str) -> dict:
    listed = await world.desk.get(f"/persons/{person_id}/referrals", headers=DESK)
    return dict(next(r for r in listed.json() if r["id"] == referral_id))


async def deliver_again(world: World, referral_id: str) -> None:
    """Intake's `referral_requested` once more: the same record, then a new envelope of it."""
    table = world.intake.runtime.outbox.table
    async with world.intake.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.seq, table.c.key, table.c.envelope).where(
                table.c.type == "intake.referral_requested.v1"
            )
        )
        seq, key, raw = next(r for r in rows.all() if referral_id in r.envelope)
    again = {**json.loads(raw), "id": str(uuid.uuid4())}
    for value in (raw.encode(), canonical_json(again)):
        await world.to_casework.runner.handle(IncomingRecord("intake.events", 0, seq, key, value))


async def test_the_partner_sees_a_referral_arrive_and_accepts_it_once(world: World) -> None:
    person_id, _ = await a_person_with_consent(world)
    referral_id = await refer(world, person_id)

    [waiting] = (await inbox(world, PARTNER))["items"]
    assert (waiting["id"], waiting["person_id"]) == (referral_id, person_id)
    assert (waiting["status"], waiting["service"], waiting["case_id"]) == (
        "pending",
        "legal_support",
        None,
    )
    assert await cases_of(world, person_id) == [], "nothing opens before the partner says yes"
    assert (await intake_referral(world, person_id, referral_id))["status"] == "requested"

    await deliver_again(world, referral_id)
    path = f"/referrals/incoming/{referral_id}"
    first, second = await asyncio.gather(
        world.http.post(f"{path}/accept", headers=PARTNER),
        world.http.post(f"{path}/accept", headers=PARTNER),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409], [first, second]
    accepted = (first if first.status_code == 200 else second).json()
    [case] = await cases_of(world, person_id)
    assert (case["organisation_id"], case["referral_id"]) == (CIMADE, referral_id)
    assert (accepted["status"], accepted["case_id"], accepted["automatic"]) == (
        "accepted",
        case["id"],
        False,
    )
    assert (accepted["answered_by"], accepted["answered_at"]) == ("ines", "2026-03-04T15:00:00Z")
    assert (await world.http.get(f"/cases/{case['id']}", headers=PARTNER)).status_code == 200

    await deliver_again(world, referral_id)
    again = await world.http.post(f"{path}/accept", headers=PARTNER)
    assert again.status_code == 409
    assert "accepted already" in again.json()["detail"]
    late = await world.http.post(f"{path}/decline", json={"reason": REASON}, headers=PARTNER)
    assert late.status_code == 409
    assert len(await cases_of(world, person_id)) == 1
    [opened] = await casework_events(world, "casework.case_opened.v1")
    [answer] = await casework_events(world, "casework.referral_accepted.v1")
    assert answer["data"]["case_id"] == opened["data"]["case_id"] == case["id"]
    assert answer["actor"] == "ines", "the partner's own answer"

    await world.sync()
    shown = await intake_referral(world, person_id, referral_id)
    assert (shown["status"], shown["partner_case_id"]) == ("accepted", case["id"])


async def test_a_decline_with_its_reason_shows_in_intake(world: World) -> None:
    person_id, _ = await a_person_with_consent(world)
    referral_id = await refer(world, person_id)
    path = f"/referrals/incoming/{referral_id}/decline"

    for body in (None, {}, {"reason": "  "}, {"reason": "x" * 501}):
        refused = await world.http.post(path, json=body, headers=PARTNER)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    declined = await world.http.post(path, json={"reason": f"  {REASON} "}, headers=PARTNER)
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["reason"]) == ("declined", REASON)
    shown = await world.http.get(f"/referrals/incoming/{referral_id}", headers=PARTNER)
    assert shown.json()["reason"] == REASON
    assert await cases_of(world, person_id) == []
    too_late = await world.http.post(f"/referrals/incoming/{referral_id}/accept", headers=PARTNER)
    assert too_late.status_code == 409

    [event] = await casework_events(world, "casework.referral_declined.v1")
    assert event["data"]["reason"].startswith("enc:v1:")
    assert "Plus de place" not in json.dumps(event), "the reason travels encrypted"

    await world.sync()
    answer = await intake_referral(world, person_id, referral_id)
    assert (answer["status"], answer["status_reason"]) == ("declined", REASON)
    assert answer["partner_case_id"] is None
    await world.sync()  # intake's own `referral_status_changed` back to casework changes nothing
    assert (await inbox(world, PARTNER))["items"][0]["status"] == "declined"


async def test_another_organisation_neither_lists_nor_reaches_a_referral(world: World) -> None:
    person_id, _ = await a_person_with_consent(world)
    referral_id = await refer(world, person_id)
    strangers = [
        token(OTHER_ORG, "caseworker"),
        token(OTHER_ORG, "coordinator"),
        CITY_COORDINATOR,  # the referring organisation's coordinator does not decide either
    ]
    path = f"/referrals/incoming/{referral_id}"
    for headers in strangers:
        assert (await inbox(world, headers))["total"] == 0
        for method, url, body in (
            ("GET", path, None),
            ("POST", f"{path}/accept", None),
            ("POST", f"{path}/decline", {"reason": REASON}),
        ):
            response = await world.http.request(method, url, json=body, headers=headers)
            assert response.status_code == 404, (method, url, response.text)
            assert response.headers["content-type"] == "application/problem+json"
    assert (await world.http.get(path, headers=token(CIMADE, "auditor"))).status_code == 403
    unknown = await world.http.get(f"/referrals/incoming/{uuid.uuid4()}", headers=PARTNER)
    assert unknown.status_code == 404
    assert (await world.http.get("/referrals/incoming/nope", headers=PARTNER)).status_code == 422
    assert (await inbox(world, PARTNER, status="pending"))["total"] == 1, "still waiting"


async def test_the_inbox_shows_pending_referrals_first_a_page_at_a_time(world: World) -> None:
    person_id, _ = await a_person_with_consent(world, "legal_support", "administrative_help")
    first = await refer(world, person_id)
    second = await refer(world, person_id, "administrative_help")
    third = await refer(world, person_id)
    accepted = await world.http.post(f"/referrals/incoming/{first}/accept", headers=PARTNER)
    assert accepted.status_code == 200

    page = await inbox(world, PARTNER)
    assert [r["id"] for r in page["items"]] == [second, third, first]
    assert [r["id"] for r in (await inbox(world, PARTNER, status="accepted"))["items"]] == [first]
    one = await inbox(world, PARTNER, limit="1", offset="1")
    assert ([r["id"] for r in one["items"]], one["total"]) == ([third], 3)
    for params in ({"limit": "1000"}, {"limit": "0"}, {"offset": "-1"}, {"status": "lost"}):
        bad = await world.http.get("/referrals/incoming", params=params, headers=PARTNER)
        assert bad.status_code == 422, params


async def test_a_partner_that_opted_in_has_a_services_referrals_accepted_on_arrival(
    world: World,
) -> None:
    person_id, _ = await a_person_with_consent(world, "legal_support", "administrative_help")
    settings = "/referrals/settings"
    body = {"auto_accept": ["legal_support"]}
    assert (await world.http.put(settings, json=body, headers=PARTNER)).status_code == 403
    for bad in ({"auto_accept": ["french_course"]}, {"auto_accept": ["legal_support"] * 2}, {}):
        refused = await world.http.put(settings, json=bad, headers=PARTNER_COORDINATOR)
        assert refused.status_code == 422, bad
    chosen = await world.http.put(settings, json=body, headers=PARTNER_COORDINATOR)
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["organisation_id"], chosen.json()["auto_accept"]) == (
        CIMADE,
        ["legal_support"],
    )
    mine = (await world.http.get(settings, headers=PARTNER_COORDINATOR)).json()
    assert mine["auto_accept"] == ["legal_support"]
    theirs = await world.http.get(settings, headers=token(OTHER_ORG, "coordinator"))
    assert theirs.json()["auto_accept"] == [], "each organisation's own setting"

    automatic = await refer(world, person_id)
    by_hand = await refer(world, person_id, "administrative_help")
    [case] = await cases_of(world, person_id)
    assert case["referral_id"] == automatic
    taken = (await world.http.get(f"/referrals/incoming/{automatic}", headers=PARTNER)).json()
    assert (taken["status"], taken["automatic"], taken["answered_by"]) == (
        "accepted",
        True,
        "service:casework",
    )
    assert taken["case_id"] == case["id"]
    waiting = (await world.http.get(f"/referrals/incoming/{by_hand}", headers=PARTNER)).json()
    assert waiting["status"] == "pending", "another service still waits for the partner"
    [answer] = await casework_events(world, "casework.referral_accepted.v1")
    assert answer["actor"] == "service:casework"

    await world.sync()
    assert (await intake_referral(world, person_id, automatic))["status"] == "accepted"
    assert (await intake_referral(world, person_id, by_hand))["status"] == "requested"


async def test_a_revoked_referral_or_a_withdrawn_consent_closes_what_waits(world: World) -> None:
    person_id, consent_id = await a_person_with_consent(world)
    revoked = await refer(world, person_id)
    assert (await world.desk.post(f"/referrals/{revoked}/revoke", headers=DESK)).status_code == 200
    await world.sync()
    withdrawn = await refer(world, person_id)
    taken_back = await world.desk.post(
        f"/persons/{person_id}/consents/{consent_id}/withdraw", headers=DESK
    )
    assert taken_back.status_code == 200, taken_back.text
    await world.sync()

    statuses = {r["id"]: r["status"] for r in (await inbox(world, PARTNER))["items"]}
    assert statuses == {revoked: "revoked", withdrawn: "withdrawn"}
    for referral_id in (revoked, withdrawn):
        late = await world.http.post(f"/referrals/incoming/{referral_id}/accept", headers=PARTNER)
        assert late.status_code == 409, late.text
    assert await cases_of(world, person_id) == []


OPENED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
OLD_CASE = {
    "person_id": "p1",
    "referral_id": None,
    "organisation_id": CIMADE,
    "service": "legal_support",
    "status": "open",
    "opened_at": OPENED_AT,
    "version": 1,
}


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_referrals_accepted_before_the_inbox_existed_show_as_accepted(
    backend: str, pg_server_url: str, tmp_path: Path
) -> None:
    with databases(backend, pg_server_url, tmp_path, "casework") as [case_db]:
        engine = create_engine(case_db)
        try:
            await upgrade(engine, MIGRATIONS, "0002")
            async with engine.begin() as connection:
                await connection.execute(
                    insert(Case.__table__),  # type: ignore[arg-type]
                    [
                        {**OLD_CASE, "id": "c1", "referral_id": "r1"},
                        {**OLD_CASE, "id": "c2", "organisation_id": CITY},  # opened directly
                    ],
                )
            await upgrade(engine, MIGRATIONS)
            async with session_factory(engine)() as session:
                rows = (await session.execute(select(IncomingReferral))).scalars().all()
        finally:
            await engine.dispose()
    [accepted] = rows
    assert (accepted.id, accepted.case_id, accepted.organisation_id) == ("r1", "c1", CIMADE)
    assert (accepted.status, accepted.automatic) == ("accepted", True)
    assert accepted.requested_at == accepted.answered_at == OPENED_AT
