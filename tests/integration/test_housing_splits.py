"""A household is never split unless a coordinator chooses to: a family of four with no family
room free waits; a coordinator (never a caseworker) sees the fewest rooms that hold it, an
adult in each, and splits it with a reason sealed with the person's key: one offer per room
in one transaction, all or none, the same deadline, one SMS, the split's id on every offer;
the split expires as a whole at 20:00. PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.housing.container import Housing
from services.housing.models import HouseholdSplit, Offer
from services.housing.scheduler import expire_once
from shared.crypto import decrypt_field
from shared.events.housing import split_reason_aad
from tests.integration.housing_world import (
    ADULT_MAN,
    CASEWORKER,
    COORDINATOR,
    DEADLINE,
    FAMILY_OF_FOUR,
    FAMILY_QUERY,
    MAN_QUERY,
    PARTNER_COORDINATOR,
    PROBLEM,
    TONIGHT,
    a_placement,
    events,
    given,
    housing,
    http,
    offer,
    person_keys,
    rooms_by_label,
)

pytestmark = pytest.mark.integration
__all__ = ["housing", "http", "person_keys"]  # fixtures, used by name

REASON = "Mme D. et ses enfants ensemble, M. D. au 102 : vu avec le SIAO (canari-split)"


async def no_family_room_takes_four(http: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """Other families hold rooms 103, 104 and the shelter's T2, a bed of 105 is out of service
    tonight, T1 has three beds: the ordinary site's rooms by label."""
    rooms = await rooms_by_label(http)
    shelter = await rooms_by_label(http, "les-tilleuls")
    for room in (rooms["103"], rooms["104"], shelter["T2"]):
        body = await offer(http, room, FAMILY_OF_FOUR)
        assert (await http.post("/offers", json=body, headers=CASEWORKER)).status_code == 201
    resting = rooms["105"]["beds"][0]["id"]
    outage = {"first_night": TONIGHT.isoformat(), "last_night": TONIGHT.isoformat()}
    outage["reason"] = "Sommier cassé"
    answer = await http.post(f"/beds/{resting}/outages", json=outage, headers=CASEWORKER)
    assert answer.status_code == 201, answer.text
    return rooms


async def candidates(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The coordinator's split candidates for the family of four tonight."""
    answer = await http.get("/rooms/splits", params=FAMILY_QUERY, headers=COORDINATOR)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["splits"])


def split_body(placement_id: str, chosen: dict[str, Any], *, beds: bool = True) -> dict[str, Any]:
    """A split of the family of four over a candidate's rooms (their beds named, or not)."""
    return {
        "placement_id": placement_id,
        "first_night": TONIGHT.isoformat(),
        "household": FAMILY_OF_FOUR,
        "rooms": [
            {"room_id": room["room_id"], "bed_ids": room["bed_ids"] if beds else None}
            for room in chosen["rooms"]
        ],
        "reason": REASON,
    }


async def count(housing: Housing, table: type[Offer] | type[HouseholdSplit]) -> int:
    async with housing.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_family_waits_until_a_coordinator_splits_it_over_two_rooms_with_one_sms(
    housing: Housing, http: httpx.AsyncClient, person_keys: dict[str, bytes]
) -> None:
    rooms = await no_family_room_takes_four(http)
    free = (await http.get("/rooms/availability", params=FAMILY_QUERY, headers=CASEWORKER)).json()
    assert free["choices"] == []  # no room takes them whole: they wait
    assert free["refused"][rooms["105"]["id"]] == "out_of_service"

    refused = await http.get("/rooms/splits", params=FAMILY_QUERY, headers=CASEWORKER)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    [chosen] = await candidates(http)
    assert chosen["site_id"] == rooms["105"]["site_id"]
    family_room, other = sorted(chosen["rooms"], key=lambda r: r["room_id"] != rooms["105"]["id"])
    assert family_room["room_id"] == rooms["105"]["id"]
    assert [m["index"] for m in family_room["members"]] == [0, 2, 3]  # the mother, the children
    assert [(m["index"], m["age"], m["sex"]) for m in other["members"]] == [(1, 41, "m")]
    assert (len(family_room["bed_ids"]), len(other["bed_ids"])) == (3, 1)

    placement = await a_placement(http)
    body = split_body(placement["id"], chosen)
    for caller in (CASEWORKER, PARTNER_COORDINATOR):
        answer = await http.post("/offers/split", json=body, headers=caller)
        assert answer.status_code == 403, answer.text
    made = await http.post("/offers/split", json=body, headers=COORDINATOR)
    assert made.status_code == 201, made.text
    split = made.json()
    assert split["split_by"] == "karim"
    offers = split["offers"]
    assert [o["room_id"] for o in offers] == [r["room_id"] for r in chosen["rooms"]]
    assert {o["split_id"] for o in offers} == {split["id"]}
    assert {o["expires_at"] for o in offers} == {split["expires_at"]}
    assert datetime.fromisoformat(split["expires_at"]) == DEADLINE  # 20:00 tonight, for all
    held = await given(housing)
    ours = [row for row in held if row[3] == placement["id"]]
    assert sorted(bed for bed, _, _, _ in ours) == sorted(family_room["bed_ids"] + other["bed_ids"])
    assert {kind for _, _, kind, _ in ours} == {"offer"}

    offered = [e for e in await events(housing, "housing.bed_offered.v1") if e["split_id"]]
    assert [e["offer_id"] for e in offered] == [o["id"] for o in offers]
    assert [e["person_id"] for e in offered] == [placement["person_id"], None]  # one SMS
    [announced] = await events(housing, "housing.household_split.v1")
    assert announced["offer_ids"] == [o["id"] for o in offers]
    assert REASON not in str(announced)
    key, aad = person_keys[placement["person_id"]], split_reason_aad(placement["id"], split["id"])
    assert decrypt_field(key, announced["reason"], aad=aad) == REASON
    async with housing.runtime.sessions() as session:
        row = await session.get(HouseholdSplit, split["id"])
    assert row is not None
    assert row.reason_enc.startswith("enc:v1:")
    shown = (await http.get(f"/offers/{offers[1]['id']}", headers=CASEWORKER)).json()
    assert shown["split_id"] == split["id"]

    for each in offers:  # each room's household checks in on its own
        stay = await http.post(f"/offers/{each['id']}/check-in", headers=CASEWORKER)
        assert stay.status_code == 201, stay.text
    assert {kind for _, _, kind, p in await given(housing) if p == placement["id"]} == {"stay"}


async def test_a_split_whose_bed_was_taken_meanwhile_is_a_409_and_offers_nothing(
    housing: Housing, http: httpx.AsyncClient, person_keys: dict[str, bytes]
) -> None:
    await no_family_room_takes_four(http)
    [chosen] = await candidates(http)
    lone = next(room for room in chosen["rooms"] if len(room["bed_ids"]) == 1)
    first = {"id": lone["room_id"]}
    meanwhile = await offer(http, first, ADULT_MAN, bed_ids=lone["bed_ids"])
    assert (await http.post("/offers", json=meanwhile, headers=CASEWORKER)).status_code == 201
    before = (await given(housing), await count(housing, Offer))

    placement = await a_placement(http)
    body = split_body(placement["id"], chosen)
    refused = await http.post("/offers/split", json=body, headers=COORDINATOR)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["detail"] == f"this bed is no longer free on {TONIGHT.isoformat()}"
    assert (await given(housing), await count(housing, Offer)) == before  # nothing kept
    assert await count(housing, HouseholdSplit) == 0
    assert [e for e in await events(housing, "housing.bed_offered.v1") if e["split_id"]] == []
    assert await events(housing, "housing.household_split.v1") == []


async def test_a_split_offer_expires_as_a_whole_at_eight(
    housing: Housing, http: httpx.AsyncClient, person_keys: dict[str, bytes]
) -> None:
    await no_family_room_takes_four(http)
    [chosen] = await candidates(http)
    placement = await a_placement(http)
    body = split_body(placement["id"], chosen, beds=False)  # the service chooses the beds
    made = await http.post("/offers/split", json=body, headers=COORDINATOR)
    assert made.status_code == 201, made.text
    offers = made.json()["offers"]
    assert [o["bed_ids"] for o in offers] == [r["bed_ids"] for r in chosen["rooms"]]
    housing.clock.set(DEADLINE - timedelta(minutes=1))
    assert await expire_once(housing) == 0
    housing.clock.set(DEADLINE)
    assert await expire_once(housing) == 5  # both rooms of the split, the other families' three
    assert [row for row in await given(housing) if row[3] == placement["id"]] == []
    for each in offers:
        state = (await http.get(f"/offers/{each['id']}", headers=CASEWORKER)).json()
        assert state["status"] == "expired"
        late = await http.post(f"/offers/{each['id']}/check-in", headers=CASEWORKER)
        assert late.status_code == 409
    gone = {e["offer_id"] for e in await events(housing, "housing.offer_expired.v1")}
    assert {o["id"] for o in offers} <= gone
    lone = next(o for o in offers if len(o["bed_ids"]) == 1)
    man = (await http.get("/rooms/availability", params=MAN_QUERY, headers=CASEWORKER)).json()
    assert lone["room_id"] in {c["room_id"] for c in man["choices"]}  # free again that night


async def test_a_coordinators_split_is_rooms_of_one_site_that_take_the_household(
    housing: Housing, http: httpx.AsyncClient, person_keys: dict[str, bytes]
) -> None:
    rooms = await no_family_room_takes_four(http)
    shelter = await rooms_by_label(http, "les-tilleuls")
    placement = await a_placement(http)
    cases = {
        "one_site": [rooms["102"], shelter["T1"]],
        "kind": [rooms["105"], rooms["201"]],  # a father: not the women's room
        "an_adult_in_each_room": [rooms["105"], rooms["101"], rooms["102"]],
        "named twice": [rooms["105"], rooms["105"]],
    }
    for reason, chosen in cases.items():
        listed = {"rooms": [{"room_id": room["id"], "bed_ids": None} for room in chosen]}
        body = split_body(placement["id"], listed, beds=False)
        answer = await http.post("/offers/split", json=body, headers=COORDINATOR)
        assert answer.status_code == 422, answer.text
        assert reason in answer.json()["detail"], answer.text
    unknown = split_body("00000000-0000-4000-8000-000000000000", (await candidates(http))[0])
    answer = await http.post("/offers/split", json=unknown, headers=COORDINATOR)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    assert await count(housing, HouseholdSplit) == 0


async def test_two_coordinators_splitting_into_the_same_rooms_at_once_let_one_through(
    housing: Housing, http: httpx.AsyncClient, person_keys: dict[str, bytes]
) -> None:
    await no_family_room_takes_four(http)
    [chosen] = await candidates(http)
    placements = [await a_placement(http) for _ in range(3)]
    bodies = [split_body(p["id"], chosen) for p in placements]
    answers = await asyncio.gather(
        *(http.post("/offers/split", json=body, headers=COORDINATOR) for body in bodies)
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409], [a.text for a in answers]
    [winner] = [p["id"] for p, a in zip(placements, answers, strict=True) if a.status_code == 201]
    beds = sorted(bed for room in chosen["rooms"] for bed in room["bed_ids"])
    assert sorted(bed for bed, _, _, p in await given(housing) if p == winner) == beds
    losers = {p["id"] for p in placements} - {winner}
    assert not [row for row in await given(housing) if row[3] in losers]  # nothing kept
    assert await count(housing, HouseholdSplit) == 1
