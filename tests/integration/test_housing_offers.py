"""Allocation never gives a bed twice: concurrent offers of one bed (one night, or
overlapping nights) let exactly one through; a household sleeps in one room, together, or
waits; offers expire at the centre's hour and holds lapse by themselves, by the service's
clock; check-in and check-out, a check-out without orientation a coordinator's and flagged;
another organisation cannot allocate. PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from services.housing.container import Housing
from services.housing.handlers.offers import give
from services.housing.models import BedNight, Offer
from services.housing.scheduler import expire_once
from shared.outbox import Metadata
from shared.web import Conflict
from tests.integration.housing_world import (
    ADULT_MAN,
    CASEWORKER,
    CITY,
    CITY_DESK,
    COORDINATOR,
    DEADLINE,
    FAMILY_OF_FOUR,
    FAMILY_QUERY,
    MAN_QUERY,
    NOW,
    PARTNER_CASEWORKER,
    PARTNER_COORDINATOR,
    PROBLEM,
    TONIGHT,
    a_placement,
    events,
    given,
    housing,
    http,
    offer,
    rooms_by_label,
)
from tests.support.wait import eventually

pytestmark = pytest.mark.integration
__all__ = ["PARTNER_CASEWORKER", "PARTNER_COORDINATOR", "housing", "http"]  # fixtures, by name


async def test_twenty_concurrent_offers_of_one_bed_give_it_once(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["102"]
    bed = room["beds"][0]["id"]
    bodies = [await offer(http, room, ADULT_MAN, bed_ids=[bed]) for _ in range(20)]
    answers = await asyncio.gather(
        *(http.post("/offers", json=b, headers=CASEWORKER) for b in bodies)
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * 19
    refused = [a.json() for a in answers if a.status_code == 409]
    assert all(p["detail"] == "this bed is no longer free on 2026-12-06" for p in refused)
    problems = {a.headers["content-type"] for a in answers if a.status_code == 409}
    assert problems == {"application/problem+json"}  # a 409 problem, never a 500
    winner = next(a.json() for a in answers if a.status_code == 201)
    assert await given(housing) == [(bed, TONIGHT, "offer", winner["placement_id"])]
    assert [e["offer_id"] for e in await events(housing, "housing.bed_offered.v1")] == [
        winner["id"]
    ]


async def test_a_bed_night_given_meanwhile_is_a_409_naming_the_night_never_a_500(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["202"]
    bed = room["beds"][0]["id"]
    second = TONIGHT + timedelta(days=1)
    async with housing.runtime.sessions() as session:  # as if committed after the room's check
        session.add(
            BedNight(bed_id=bed, night=second, kind="stay", placement_id="p", created_at=NOW)
        )
        await session.commit()
    late = Offer(
        id=str(uuid.uuid4()),
        kind="offer",
        placement_id=str(uuid.uuid4()),
        site_id=room["site_id"],
        room_id=room["id"],
        bed_ids=[bed],
        first_night=TONIGHT,
        nights=3,
        expires_at=DEADLINE,
        offered_by="nadia",
        offered_at=NOW,
    )
    meta = Metadata(actor="nadia", actororg=CITY)
    async with housing.unit_of_work(meta) as uow:
        with pytest.raises(Conflict, match="this bed is no longer free on 2026-12-07"):
            await give(uow, late, "offer")
    assert [night for _, night, _, _ in await given(housing)] == [second]


async def test_overlapping_multi_night_offers_of_one_bed_let_one_through(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["202"]  # a men's dormitory: a bed each
    bed = room["beds"][0]["id"]
    early = [await offer(http, room, ADULT_MAN, bed_ids=[bed], nights=3) for _ in range(5)]
    late_night = (TONIGHT + timedelta(days=2)).isoformat()
    late = [
        await offer(http, room, ADULT_MAN, bed_ids=[bed], nights=3, first_night=late_night)
        for _ in range(5)
    ]
    bodies = [b for pair in zip(early, late, strict=True) for b in pair]
    answers = await asyncio.gather(
        *(http.post("/offers", json=b, headers=CASEWORKER) for b in bodies)
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 9
    winner = next(a.json() for a in answers if a.status_code == 201)
    nights = [night for _, night, _, _ in await given(housing)]
    first = date.fromisoformat(winner["first_night"])
    assert nights == [first + timedelta(days=i) for i in range(3)]
    overlap = {"this bed is no longer free on 2026-12-08", f"this bed is no longer free on {first}"}
    assert {a.json()["detail"] for a in answers if a.status_code == 409} <= overlap


async def test_a_family_of_four_gets_one_family_room_together_or_waits(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    rooms = await rooms_by_label(http)
    params = FAMILY_QUERY
    free = (await http.get("/rooms/availability", params=params, headers=CASEWORKER)).json()
    assert free["choices"][0]["room_id"] == rooms["105"]["id"]  # four beds, nothing kept idle
    assert free["refused"][rooms["201"]["id"]] == "kind"  # a father: not the women's room
    assert free["refused"][rooms["202"]["id"]] == "kind"  # nor the men's dormitory
    placed = []
    while free["choices"]:  # each family in turn takes the best room left, "choose for me"
        room_id = free["choices"][0]["room_id"]
        made = await http.post(
            "/offers", json=await offer(http, {"id": room_id}, FAMILY_OF_FOUR), headers=CASEWORKER
        )
        assert made.status_code == 201, made.text
        assert len(made.json()["bed_ids"]) == 4
        placed.append(made.json())
        free = (await http.get("/rooms/availability", params=params, headers=CASEWORKER)).json()
    ordinary = {rooms[label]["id"] for label in ("103", "104", "105")}
    assert ordinary < {p["room_id"] for p in placed}  # and the shelter's family room
    beds_of = {room["id"]: {bed["id"] for bed in room["beds"]} for room in rooms.values()}
    for made in placed:  # all four beds in the one room offered
        assert set(made["bed_ids"]) <= beds_of.get(made["room_id"], set(made["bed_ids"]))
    assert free["choices"] == []  # no room takes them whole: they wait, never split
    spread = await offer(http, rooms["202"], FAMILY_OF_FOUR)
    assert (await http.post("/offers", json=spread, headers=CASEWORKER)).status_code == 422
    fifth_bed = await offer(http, rooms["104"], {"members": [{"age": 30, "sex": "f"}]})
    shared_room = await http.post("/offers", json=fifth_bed, headers=CASEWORKER)
    assert shared_room.status_code == 409  # a family room is the family's alone


async def test_an_offer_not_taken_up_by_eight_expires_and_frees_its_beds(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["105"]
    made = (
        await http.post("/offers", json=await offer(http, room, FAMILY_OF_FOUR), headers=CASEWORKER)
    ).json()
    assert datetime.fromisoformat(made["expires_at"]) == DEADLINE
    housing.clock.set(DEADLINE - timedelta(minutes=1))
    assert await expire_once(housing) == 0
    assert len(await given(housing)) == 4
    housing.clock.set(DEADLINE)
    assert await expire_once(housing) == 1
    assert await expire_once(housing) == 0  # once only
    assert await given(housing) == []
    state = (await http.get(f"/offers/{made['id']}", headers=CASEWORKER)).json()
    assert state["status"] == "expired"
    [expired] = await events(housing, "housing.offer_expired.v1")
    assert expired["placement_id"] == made["placement_id"]
    assert expired["kind"] == "offer"
    params = FAMILY_QUERY
    free = (await http.get("/rooms/availability", params=params, headers=CASEWORKER)).json()
    assert free["choices"][0]["room_id"] == room["id"]  # free again that night
    late = await http.post(f"/offers/{made['id']}/check-in", headers=CASEWORKER)
    assert late.status_code == 409


async def test_the_worker_job_expires_offers_by_the_service_clock(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["101"]
    made = (
        await http.post("/offers", json=await offer(http, room, ADULT_MAN), headers=CASEWORKER)
    ).json()
    [job] = [job for job in housing.runtime.jobs if job.__qualname__.startswith("offer_watch")]
    stop = asyncio.Event()
    running = asyncio.create_task(job(stop))
    try:
        housing.clock.set(DEADLINE)  # wall time has not moved: only the service's clock
        await eventually(lambda: given(housing), lambda rows: rows == [], what="beds freed")
    finally:
        stop.set()
        await running
    state = (await http.get(f"/offers/{made['id']}", headers=CASEWORKER)).json()
    assert state["status"] == "expired"


async def test_a_hold_lapses_after_ninety_minutes_even_before_the_worker(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["102"]
    bed = room["beds"][0]["id"]
    held = await http.post("/holds", json={"bed_id": bed}, headers=CASEWORKER)
    assert held.status_code == 201, held.text
    assert datetime.fromisoformat(held.json()["expires_at"]) == NOW + timedelta(minutes=90)
    [event] = await events(housing, "housing.bed_held.v1")
    assert event["bed_id"] == bed
    assert event["night"] == TONIGHT.isoformat()
    params = MAN_QUERY
    housing.clock.set(NOW + timedelta(minutes=89))
    busy = (await http.get("/rooms/availability", params=params, headers=CASEWORKER)).json()
    assert busy["refused"][room["id"]] == "not_free_every_night"
    again = await http.post("/holds", json={"bed_id": bed}, headers=CASEWORKER)
    assert again.status_code == 409
    housing.clock.set(NOW + timedelta(minutes=90))
    free = (await http.get("/rooms/availability", params=params, headers=CASEWORKER)).json()
    assert room["id"] in {c["room_id"] for c in free["choices"]}  # before the worker passes
    assert len(await given(housing)) == 1
    assert await expire_once(housing) == 1
    assert await given(housing) == []


async def test_check_in_then_check_out_with_an_orientation(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["105"]
    made = (
        await http.post(
            "/offers", json=await offer(http, room, FAMILY_OF_FOUR, nights=3), headers=CASEWORKER
        )
    ).json()
    stay = await http.post(f"/offers/{made['id']}/check-in", headers=CASEWORKER)
    assert stay.status_code == 201, stay.text
    assert {kind for _, _, kind, _ in await given(housing)} == {"stay"}
    assert len(await given(housing)) == 12
    housing.clock.set(DEADLINE)
    assert await expire_once(housing) == 0  # a taken offer does not expire
    twice = await http.post(f"/offers/{made['id']}/check-in", headers=CASEWORKER)
    assert twice.status_code == 409
    housing.clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # the next morning
    out = await http.post(
        f"/stays/{stay.json()['id']}/check-out", json={"reason": "orientation"}, headers=CASEWORKER
    )
    assert out.status_code == 200, out.text
    assert out.json()["flagged"] is False
    assert out.json()["check_out_reason"] == "orientation"
    assert {night for _, night, _, _ in await given(housing)} == {TONIGHT}  # the night slept
    [checked_out] = await events(housing, "housing.checked_out.v1")
    assert checked_out["reason"] == "orientation"
    assert checked_out["last_night"] == "2026-12-06"
    assert len(await events(housing, "housing.checked_in.v1")) == 1


async def test_a_check_out_without_orientation_is_a_coordinators_and_flagged(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["102"]
    made = (
        await http.post("/offers", json=await offer(http, room, ADULT_MAN), headers=CASEWORKER)
    ).json()
    stay = (await http.post(f"/offers/{made['id']}/check-in", headers=CASEWORKER)).json()
    path = f"/stays/{stay['id']}/check-out"
    refused = await http.post(path, json={"reason": "left"}, headers=CASEWORKER)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    left = await http.post(path, json={"reason": "left"}, headers=COORDINATOR)
    assert left.status_code == 200
    assert left.json()["flagged"] is True
    assert left.json()["checked_out_by"] == "karim"
    [event] = await events(housing, "housing.checked_out.v1")
    assert event["flagged"] is True
    assert event["reason"] == "left"
    again = await http.post(path, json={"reason": "orientation"}, headers=COORDINATOR)
    assert again.status_code == 409


async def test_another_organisation_cannot_allocate(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["102"]
    bed = room["beds"][0]["id"]
    made = (
        await http.post("/offers", json=await offer(http, room, ADULT_MAN), headers=CASEWORKER)
    ).json()
    stay = (await http.post(f"/offers/{made['id']}/check-in", headers=CASEWORKER)).json()
    params = MAN_QUERY
    for caller in (PARTNER_CASEWORKER, PARTNER_COORDINATOR):
        calls = [
            http.post("/offers", json=await offer(http, room, ADULT_MAN), headers=caller),
            http.post("/holds", json={"bed_id": bed}, headers=caller),
            http.get("/rooms/availability", params=params, headers=caller),
            http.get(f"/offers/{made['id']}", headers=caller),
            http.post(f"/offers/{made['id']}/check-in", headers=caller),
            http.post(f"/stays/{stay['id']}/check-out", json={"reason": "left"}, headers=caller),
        ]
        assert [(await call).status_code for call in calls] == [403] * 6
    desk = await http.post("/offers", json=await offer(http, room, ADULT_MAN), headers=CITY_DESK)
    assert desk.status_code == 403  # the operator's desk reads, its caseworkers allocate
    assert len(await events(housing, "housing.bed_offered.v1")) == 1


async def test_an_offer_is_for_a_placement_housing_knows(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    room = (await rooms_by_label(http))["102"]
    unknown = await offer(http, room, ADULT_MAN, placement_id=str(uuid.uuid4()))
    refused = await http.post("/offers", json=unknown, headers=CASEWORKER)
    assert refused.status_code == 404
    assert refused.headers["content-type"] == PROBLEM
    assert "placement" in refused.json()["detail"]
    assert await given(housing) == []
    assert await events(housing, "housing.bed_offered.v1") == []
    placement = await a_placement(http)
    known = await offer(http, room, ADULT_MAN, placement_id=placement["id"])
    made = await http.post("/offers", json=known, headers=CASEWORKER)
    assert made.status_code == 201, made.text
    [event] = await events(housing, "housing.bed_offered.v1")
    assert event["person_id"] == placement["person_id"]  # whom the SMS goes to
    assert event["split_id"] is None
