"""An offer not taken up by 20:00 expires, its beds are free for that night, and the next
household is suggested: the first on the waiting list, not the expired offer's own, not one
already offered, that the freed room takes whole for the nights left; when nobody fits, the
suggestion says why. The worker runs on the service's clock. PostgreSQL and SQLite."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from services.housing.container import Housing
from services.housing.models import BedNight, PlacementRequest, Suggestion
from services.housing.scheduler import expire_once
from tests.integration.housing_world import (
    CASEWORKER,
    CITY,
    CITY_DESK,
    DEADLINE,
    NOW,
    PARTNER_COORDINATOR,
    TONIGHT,
    housing,
    http,
    rooms_by_label,
)

pytestmark = pytest.mark.integration

__all__ = ["housing", "http"]  # fixtures, by name
FAMILY_OF_FOUR = [(38, "f"), (41, "m"), (8, "m"), (4, "f")]
FAMILY_OF_FIVE = [*FAMILY_OF_FOUR, (15, "m")]


async def waiting(
    housing: Housing, members: list[tuple[int, str]], nights: int, *, accessible: bool = False
) -> str:
    """A request on the waiting list (as intake's referral would open it); its id. Its place
    comes from the nights without shelter, every household asking at the same hour."""
    placement = PlacementRequest(
        id=str(uuid.uuid4()),
        person_id=str(uuid.uuid4()),
        organisation_id=CITY,
        members=[
            {"age": age, "sex": sex, "pregnant": False, "health": False} for age, sex in members
        ],
        nights_without_shelter=nights,
        accessible=accessible,
        household_known=True,
        requested_by="user:nadia",
        requested_at=NOW - timedelta(hours=2),
    )
    async with housing.runtime.sessions() as session:
        session.add(placement)
        await session.commit()
    return placement.id


async def offer(
    http: httpx.AsyncClient,
    room: dict[str, Any],
    placement_id: str,
    members: list[tuple[int, str]],
    first_night: date = TONIGHT,
    nights: int = 1,
) -> dict[str, Any]:
    """The room offered to the placement's household."""
    body = {
        "placement_id": placement_id,
        "room_id": room["id"],
        "first_night": first_night.isoformat(),
        "nights": nights,
        "household": {"members": [{"age": age, "sex": sex} for age, sex in members]},
    }
    answer = await http.post("/offers", json=body, headers=CASEWORKER)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def suggested(housing: Housing) -> list[dict[str, Any]]:
    """The data of the outbox's `housing.next_suggested.v1` events, in order."""
    table = housing.runtime.outbox.table
    async with housing.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.envelope)
            .where(table.c.type == "housing.next_suggested.v1")
            .order_by(table.c.seq)
        )
        return [json.loads(envelope)["data"] for envelope in rows.scalars()]


async def beds_given(housing: Housing, bed_ids: list[str], night: date) -> list[str]:
    """The placements holding one of these beds that night."""
    async with housing.runtime.sessions() as session:
        rows = await session.execute(
            select(col(BedNight.placement_id)).where(
                col(BedNight.bed_id).in_(bed_ids), col(BedNight.night) == night
            )
        )
        return list(rows.scalars())


async def test_an_offer_not_taken_up_at_eight_frees_its_beds_and_suggests_the_next_household(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    rooms = await rooms_by_label(http)
    own = await waiting(housing, FAMILY_OF_FOUR, 30)  # first on the list: the offer was its
    offered = await waiting(housing, FAMILY_OF_FOUR, 29)  # offered tomorrow's room already
    in_wheelchair = await waiting(housing, FAMILY_OF_FOUR, 28, accessible=True)  # 105 is not
    five = await waiting(housing, FAMILY_OF_FIVE, 27)  # 105 has four beds
    family = await waiting(housing, FAMILY_OF_FOUR, 10)
    await waiting(housing, [(30, "f"), (32, "m")], 5)
    listed = (await http.get("/waiting-list", headers=CASEWORKER)).json()["entries"]
    assert [e["placement_id"] for e in listed][:5] == [own, offered, in_wheelchair, five, family]
    await offer(http, rooms["104"], offered, FAMILY_OF_FOUR, TONIGHT + timedelta(days=1))
    made = await offer(http, rooms["105"], own, FAMILY_OF_FOUR, nights=2)

    housing.clock.set(DEADLINE - timedelta(minutes=1))
    assert await expire_once(housing) == 0
    assert await suggested(housing) == []
    housing.clock.set(DEADLINE)
    assert await expire_once(housing) == 1
    assert await expire_once(housing) == 0  # once only

    assert await beds_given(housing, made["bed_ids"], TONIGHT) == []  # free for that night
    [event] = await suggested(housing)
    assert event["offer_id"] == made["id"]
    assert event["expired_placement_id"] == own
    assert event["placement_id"] == family
    assert event["room_id"] == rooms["105"]["id"]
    assert sorted(event["bed_ids"]) == sorted(made["bed_ids"])
    assert (event["first_night"], event["nights"], event["reason"]) == ("2026-12-06", 2, None)
    assert set(event) == {
        "suggestion_id",
        "offer_id",
        "expired_placement_id",
        "placement_id",
        "site_id",
        "room_id",
        "bed_ids",
        "first_night",
        "nights",
        "reason",
        "suggested_at",
    }  # ids and nights only

    answer = await http.get("/suggestions", params={"night": "2026-12-07"}, headers=CASEWORKER)
    assert answer.status_code == 200, answer.text
    [shown] = answer.json()
    assert (shown["placement_id"], shown["position"]) == (family, 5)
    assert (await http.get("/suggestions", headers=CITY_DESK)).json() == answer.json()  # tonight
    later = await http.get("/suggestions", params={"night": "2026-12-08"}, headers=CASEWORKER)
    assert later.json() == []


async def test_when_nobody_on_the_list_fits_the_room_the_suggestion_says_so(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    rooms = await rooms_by_label(http)
    own = await waiting(housing, FAMILY_OF_FOUR, 0)
    await waiting(housing, FAMILY_OF_FOUR, 28, accessible=True)
    await waiting(housing, FAMILY_OF_FIVE, 27)
    made = await offer(http, rooms["105"], own, FAMILY_OF_FOUR)
    housing.clock.set(DEADLINE)
    assert await expire_once(housing) == 1
    [event] = await suggested(housing)
    assert (event["placement_id"], event["bed_ids"], event["reason"]) == (None, [], "nobody_fits")
    [shown] = (await http.get("/suggestions", headers=CASEWORKER)).json()
    assert (shown["offer_id"], shown["reason"], shown["position"]) == (
        made["id"],
        "nobody_fits",
        None,
    )


async def test_with_nobody_waiting_the_suggestion_says_so_and_a_lapsed_hold_suggests_nothing(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    rooms = await rooms_by_label(http)
    await offer(http, rooms["105"], await waiting(housing, FAMILY_OF_FOUR, 0), FAMILY_OF_FOUR)
    hold = await http.post(
        "/holds", json={"bed_id": rooms["102"]["beds"][0]["id"]}, headers=CASEWORKER
    )
    assert hold.status_code == 201, hold.text
    housing.clock.set(DEADLINE)
    assert await expire_once(housing) == 2
    [event] = await suggested(housing)
    assert (event["room_id"], event["reason"]) == (rooms["105"]["id"], "nobody_waiting")


async def test_two_offers_expiring_together_suggest_two_different_households(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    rooms = await rooms_by_label(http)
    first = await waiting(housing, FAMILY_OF_FOUR, 20)
    second = await waiting(housing, FAMILY_OF_FOUR, 10)
    for label in ("104", "105"):  # for households last on the list
        await offer(http, rooms[label], await waiting(housing, FAMILY_OF_FOUR, 0), FAMILY_OF_FOUR)
    housing.clock.set(DEADLINE)
    assert await expire_once(housing) == 2
    events = await suggested(housing)
    assert sorted(e["placement_id"] for e in events) == sorted([first, second])
    async with housing.runtime.sessions() as session:
        rows = (await session.execute(select(Suggestion))).scalars().all()
    assert len(rows) == 2


async def test_an_offer_a_request_found_past_its_hour_is_followed_at_the_next_scan(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    rooms = await rooms_by_label(http)
    family = await waiting(housing, FAMILY_OF_FOUR, 10)
    made = await offer(
        http, rooms["105"], await waiting(housing, FAMILY_OF_FOUR, 0), FAMILY_OF_FOUR
    )
    housing.clock.set(DEADLINE + timedelta(minutes=5))
    man = await waiting(housing, [(35, "m")], 0)
    await offer(http, rooms["102"], man, [(35, "m")])  # expires the first
    assert await suggested(housing) == []
    assert await expire_once(housing) == 0  # nothing left to expire, yet a suggestion
    [event] = await suggested(housing)
    assert (event["offer_id"], event["placement_id"]) == (made["id"], family)
    assert await expire_once(housing) == 0
    assert len(await suggested(housing)) == 1  # once only


async def test_only_the_operators_staff_read_the_suggestions(http: httpx.AsyncClient) -> None:
    answer = await http.get("/suggestions", headers=PARTNER_COORDINATOR)
    assert answer.status_code == 403
    assert (await http.get("/suggestions")).status_code == 401
