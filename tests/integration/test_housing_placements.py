"""Placement requests and the waiting list: a referral from intake opens one request however
often it is delivered, and intake shows it accepted; a caseworker asks directly; the list is
ranked by the rule book with every term shown, and a coordinator's override moves a request
with its reason; another organisation is told nothing exists. Intake and housing in process,
their events handed to each other's real consumers, on PostgreSQL and on SQLite."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from services.housing.handlers.placements import NOT_OPERATOR
from services.housing.models import IntakeFacts, PlacementOverride, PlacementRequest
from shared.consumer import Outcome
from shared.events.envelope import canonical_json
from shared.kafka import IncomingRecord
from shared.keystore import KeyStoreUnavailable
from tests.integration.conftest import token
from tests.integration.in_process import Feed, WithIntake, databases, feed, housing_with_intake

pytestmark = pytest.mark.integration

CITY, SHELTER, OTHER_ORG = "city-montreuil", "assoc-abri", "assoc-other"
DESK = token(CITY, "intake", "caseworker")
CITY_COORDINATOR = token(CITY, "coordinator")
SHELTER_STAFF = token(SHELTER, "caseworker", user="lea")
SHELTER_COORDINATOR = token(SHELTER, "coordinator", user="sami")
OTHER = token(OTHER_ORG, "caseworker", user="zoe")
OTHER_COORDINATOR = token(OTHER_ORG, "coordinator", user="max")
REFERRED_AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
TODAY = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
REASON = "Sortie d'hôpital de Mme K., vue avec le SIAO"


@dataclass
class World(WithIntake):
    """Intake and housing in process; each one's new events reach the other's consumer."""

    to_housing: Feed
    to_intake: Feed

    async def sync(self) -> None:
        """Hand intake's new events to housing, then housing's answers back to intake."""
        await self.to_housing.pass_on()
        await self.to_intake.pass_on()


@pytest.fixture(params=["postgresql", "sqlite"])
async def world(
    request: pytest.FixtureRequest, pg_server_url: str, tmp_path: Path
) -> AsyncIterator[World]:
    """Intake and housing (run by the shelter association) on fresh, migrated databases."""
    with databases(request.param, pg_server_url, tmp_path, "intake", "housing") as urls:
        async with housing_with_intake(urls, TODAY, operator=SHELTER) as pair:
            pair.intake.clock = lambda: REFERRED_AT
            yield World(
                pair.intake,
                pair.desk,
                pair.housing,
                pair.http,
                feed(pair.intake.runtime, "intake.events", pair.housing.runtime),
                feed(pair.housing.runtime, "housing.events", pair.intake.runtime),
            )


async def a_person(world: World, name: str, *purposes: str) -> str:
    """A person registered at the city's desk, with the consents named; their id."""
    person = await world.desk.post("/persons", json={"chosen_name": name}, headers=DESK)
    assert person.status_code == 201, person.text
    person_id = str(person.json()["id"])
    for purpose in purposes:
        body = {"purpose": purpose} | (
            {"partner_id": SHELTER} if purpose.startswith("share") else {}
        )
        given = await world.desk.post(f"/persons/{person_id}/consents", json=body, headers=DESK)
        assert given.status_code == 201, given.text
    return person_id


async def a_mother_referred(world: World) -> tuple[str, str]:
    """A pregnant woman with a two-year-old, five nights outside, referred to the shelter;
    her id and the referral's."""
    partner = {"id": SHELTER, "name": "L'Abri", "services": ["emergency_shelter"]}
    await world.desk.post("/partners", json=partner, headers=CITY_COORDINATOR)
    person_id = await a_person(world, "Amina", "share_with_partner", "health_information")
    household = {
        "reference_person_id": person_id,
        "flags": {"pregnant": True},
        "members": [{"relationship": "child", "dependant": True, "birth_date": "2024-10-01"}],
    }
    formed = await world.desk.post("/households", json=household, headers=DESK)
    assert formed.status_code == 201, formed.text
    needs = {"needs": [{"area": "emergency_shelter"}], "nights_without_shelter": 5}
    assessed = await world.desk.post(
        f"/persons/{person_id}/needs-assessments", json=needs, headers=DESK
    )
    assert assessed.status_code == 201, assessed.text
    referred = await world.desk.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": SHELTER, "service": "emergency_shelter"},
        headers=DESK,
    )
    assert referred.status_code == 201, referred.text
    return person_id, str(referred.json()["id"])


async def redeliver(world: World, event_type: str) -> None:
    """Intake's event of this type twice more: the same record (a broker redelivering it),
    then a new envelope of it (intake publishing it again)."""
    table = world.intake.runtime.outbox.table
    async with world.intake.runtime.sessions() as session:
        seq, key, raw = (
            await session.execute(
                select(table.c.seq, table.c.key, table.c.envelope).where(table.c.type == event_type)
            )
        ).one()
    again = {**json.loads(raw), "id": str(uuid.uuid4())}
    outcomes = [
        await world.to_housing.runner.handle(IncomingRecord("intake.events", 0, seq, key, value))
        for value in (raw.encode(), canonical_json(again))
    ]
    # the inbox stops the same record; housing itself stops another envelope of the referral
    assert outcomes == [Outcome.DUPLICATE, Outcome.APPLIED]


async def housing_events(world: World, kind: str) -> list[str]:
    table = world.housing.runtime.outbox.table
    async with world.housing.runtime.sessions() as session:
        rows = await session.execute(select(table.c.envelope).where(table.c.type == kind))
        return [str(envelope) for (envelope,) in rows]


async def requests(world: World) -> list[PlacementRequest]:
    async with world.housing.runtime.sessions() as session:
        return list((await session.execute(select(PlacementRequest))).scalars())


async def ask(world: World, person_id: str, **body: object) -> dict:
    """A caseworker of the city asks directly for a place; the request as answered."""
    asked = await world.http.post(
        "/placements", json={"person_id": person_id, **body}, headers=DESK
    )
    assert asked.status_code == 201, asked.text
    return dict(asked.json())


async def test_a_referral_delivered_three_times_opens_one_request_and_intake_shows_it_accepted(
    world: World,
) -> None:
    person_id, referral_id = await a_mother_referred(world)
    await world.sync()
    await redeliver(world, "intake.referral_requested.v1")
    await world.sync()

    [placement] = await requests(world)
    assert (placement.person_id, placement.referral_id) == (person_id, referral_id)
    assert len(await housing_events(world, "housing.referral_accepted.v1")) == 1
    assert len(await housing_events(world, "housing.placement_requested.v1")) == 1
    assert len(await housing_events(world, "housing.referral_declined.v1")) == 0
    referrals = await world.desk.get(f"/persons/{person_id}/referrals", headers=DESK)
    [referral] = referrals.json()
    assert (referral["status"], referral["partner_case_id"]) == ("accepted", placement.id)

    shown = await world.http.get(f"/placements/{placement.id}", headers=SHELTER_STAFF)
    assert shown.status_code == 200, shown.text
    read = shown.json()
    assert (read["household_known"], read["nights_without_shelter"]) == (True, 5)
    assert [(m["age"], m["pregnant"]) for m in read["members"]] == [(None, True), (2, False)]
    listed = await world.http.get("/waiting-list", headers=SHELTER_STAFF)
    [entry] = listed.json()["entries"]
    points = {term["term_id"]: term["points"] for term in entry["terms"]}
    assert points["child_under_3"] == 40
    assert points["pregnancy"] == 40
    assert (points["nights_without_shelter"], points["days_waiting"]) == (5, 2)
    assert entry["score"] == 40 + 40 + 20 + 15 + 5 + 2
    assert entry["days_waiting"] == 2
    assert "Amina" not in str(placement.model_dump())


async def test_a_caseworker_asks_directly_and_only_its_organisation_and_the_operator_see_it(
    world: World,
) -> None:
    person_id = await a_person(world, "Yusuf")
    asked = await ask(world, person_id, accessible=True, nights_without_shelter=3)
    assert (asked["organisation_id"], asked["status"]) == (CITY, "waiting")
    assert (asked["household_known"], asked["missing"]) == (False, "no_household")
    assert len(asked["members"]) == 1
    assert asked["accessible"] is True

    mine = await world.http.get("/placements", params={"mine": "true"}, headers=DESK)
    assert [p["id"] for p in mine.json()] == [asked["id"]]
    assert (await world.http.get(f"/placements/{asked['id']}", headers=SHELTER_STAFF)).is_success
    other = await world.http.get(f"/placements/{asked['id']}", headers=OTHER)
    assert other.status_code == 404
    unknown = await world.http.get(f"/placements/{person_id}", headers=OTHER)
    assert unknown.json()["detail"] == other.json()["detail"]  # existence is not revealed
    assert (await world.http.get("/placements", headers=OTHER)).json() == []
    assert (await world.http.get("/waiting-list", headers=OTHER)).status_code == 403
    overridden = await world.http.post(
        f"/placements/{asked['id']}/override",
        json={"position": 1, "reason": REASON},
        headers=OTHER_COORDINATOR,
    )
    assert overridden.status_code == 403


async def test_the_waiting_list_ranks_by_the_book_and_an_override_moves_a_request_with_its_reason(
    world: World,
) -> None:
    two = await ask(world, await a_person(world, "Ali"), nights_without_shelter=2)
    ten = await ask(world, await a_person(world, "Badr"), nights_without_shelter=10)
    alone = await ask(world, await a_person(world, "Chloé"), women_only=True)

    listed = (await world.http.get("/waiting-list", headers=SHELTER_STAFF)).json()
    assert listed["book_version"] == 1
    assert [e["placement_id"] for e in listed["entries"]] == [alone["id"], ten["id"], two["id"]]
    assert [e["score"] for e in listed["entries"]] == [30, 10, 2]
    [woman] = [t for t in listed["entries"][0]["terms"] if t["term_id"] == "woman_alone"]
    assert (woman["weight"], woman["units"], woman["points"]) == (30, 1, 30)

    by_staff = await world.http.post(
        f"/placements/{two['id']}/override",
        json={"position": 1, "reason": REASON},
        headers=SHELTER_STAFF,
    )
    assert by_staff.status_code == 403
    moved = await world.http.post(
        f"/placements/{two['id']}/override",
        json={"position": 1, "reason": REASON},
        headers=SHELTER_COORDINATOR,
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["position"], moved.json()["scored_position"]) == (1, 3)
    listed = (await world.http.get("/waiting-list", headers=SHELTER_STAFF)).json()
    assert [e["placement_id"] for e in listed["entries"]] == [two["id"], alone["id"], ten["id"]]
    override = listed["entries"][0]["override"]
    assert (override["reason"], override["made_by"], override["position"]) == (REASON, "sami", 1)

    above = await world.http.post(
        f"/placements/{ten['id']}/override",
        json={"above": alone["id"], "reason": "Enfant malade"},
        headers=SHELTER_COORDINATOR,
    )
    assert above.json()["position"] == 2, above.text
    async with world.housing.runtime.sessions() as session:
        sealed = list((await session.execute(select(PlacementOverride))).scalars())
    assert all(row.reason_enc.startswith("enc:v1:") for row in sealed)
    assert len(sealed) == 2
    assert not any(
        REASON in event for event in await housing_events(world, "housing.placement_overridden.v1")
    )


async def test_a_referral_to_an_organisation_that_does_not_run_the_centre_is_declined_once(
    world: World,
) -> None:
    partner = {"id": OTHER_ORG, "name": "Autre", "services": ["emergency_shelter"]}
    await world.desk.post("/partners", json=partner, headers=CITY_COORDINATOR)
    person = await world.desk.post("/persons", json={"chosen_name": "Dina"}, headers=DESK)
    person_id = str(person.json()["id"])
    consent = {"purpose": "share_with_partner", "partner_id": OTHER_ORG}
    await world.desk.post(f"/persons/{person_id}/consents", json=consent, headers=DESK)
    referred = await world.desk.post(
        f"/persons/{person_id}/referrals",
        json={"partner_id": OTHER_ORG, "service": "emergency_shelter"},
        headers=DESK,
    )
    assert referred.status_code == 201, referred.text
    await world.sync()
    await redeliver(world, "intake.referral_requested.v1")
    await world.sync()

    assert len(await housing_events(world, "housing.referral_declined.v1")) == 1
    assert [p.status for p in await requests(world)] == ["closed"]
    assert await housing_events(world, "housing.placement_requested.v1") == []
    [referral] = (await world.desk.get(f"/persons/{person_id}/referrals", headers=DESK)).json()
    assert referral["status"] == "declined"
    assert referral["status_reason"] == NOT_OPERATOR
    listed = (await world.http.get("/waiting-list", headers=SHELTER_STAFF)).json()
    assert listed["entries"] == []


async def test_a_request_opens_with_what_is_known_when_the_key_store_is_away(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    person_id, _ = await a_mother_referred(world)

    async def away(_person_id: str) -> bytes:
        raise KeyStoreUnavailable("down")

    monkeypatch.setattr(world.housing.keys, "key", away)
    await world.sync()

    [placement] = await requests(world)
    assert (placement.household_known, placement.missing) == (False, "key_store_unavailable")
    assert (len(placement.members), placement.nights_without_shelter) == (1, 5)
    [referral] = (await world.desk.get(f"/persons/{person_id}/referrals", headers=DESK)).json()
    assert referral["status"] == "accepted"


async def test_after_erasure_an_override_reason_reads_as_nothing_and_only_the_household_size_stays(
    world: World,
) -> None:
    person_id, _ = await a_mother_referred(world)
    await world.sync()
    [placement] = await requests(world)
    moved = await world.http.post(
        f"/placements/{placement.id}/override",
        json={"position": 1, "reason": REASON},
        headers=SHELTER_COORDINATOR,
    )
    assert moved.json()["override"]["reason"] == REASON

    erased = await world.desk.post(f"/persons/{person_id}/erasure", headers=CITY_COORDINATOR)
    assert erased.status_code == 200, erased.text
    await world.sync()

    listed = (await world.http.get("/waiting-list", headers=SHELTER_STAFF)).json()
    assert listed["entries"][0]["override"]["reason"] is None
    async with world.housing.runtime.sessions() as session:
        assert await session.get(IntakeFacts, person_id) is None
    [kept] = await requests(world)
    assert placement.members[0]["pregnant"], "before: a pregnant mother"
    assert placement.members[1]["age"] is not None, "and a small child"
    nobody = {"age": None, "sex": "unknown", "pregnant": False, "health": False}
    assert kept.members == [nobody, nobody], "only the count of beds stays"
    assert (kept.nights_without_shelter, kept.missing) == (0, "person_erased")
