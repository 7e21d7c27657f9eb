"""The night's bed board: every bed of the centre and its state that night, counted per site
and room kind with the extra capacity apart, for the operator only; a past night as housing's
events recorded it, whatever was changed since. PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from services.housing.container import Housing
from services.housing.models import BedNight
from services.housing.queries.board import board
from services.housing.scheduler import expire_once
from tests.integration.test_housing_centre import (  # the service's fixtures and users
    MANAGER,
    NOW,
    PARTNER_STAFF,
    a_bed,
    housing,
    http,
)
from tests.integration.test_housing_offers import ADULT_MAN, FAMILY_OF_FOUR, rooms_by_label

pytestmark = pytest.mark.integration
__all__ = ["housing", "http"]  # fixtures, used by name

TONIGHT = NOW.date()  # 16:00 in Paris: the night of 6 December


def beds_of(board: dict[str, Any]) -> dict[str, str]:
    return {
        bed["id"]: bed["state"]
        for site in board["sites"]
        for room in site["rooms"]
        for bed in room["beds"]
    }


async def test_tonight_every_bed_is_free_and_the_winter_beds_are_counted_apart(
    http: httpx.AsyncClient,
) -> None:
    board = (await http.get("/board", headers=MANAGER)).json()
    assert board["night"] == TONIGHT.isoformat()
    states = beds_of(board)
    assert set(states.values()) == {"free"}, "nothing given, nothing out of service"
    assert board["counts"]["free"] == len(states)
    ordinary = next(s for s in board["sites"] if not s["confidential"])
    assert ordinary["extra"]["free"] > 0, "the winter plan's beds are open in December"
    assert (
        sum(c["free"] for c in ordinary["by_kind"].values()) + ordinary["extra"]["free"]
        == (ordinary["counts"]["free"])
    )

    summer = (await http.get("/board", params={"night": "2027-07-14"}, headers=MANAGER)).json()
    assert "closed" in beds_of(summer).values(), "the winter beds are no beds in July"
    assert summer["counts"]["free"] < board["counts"]["free"]


async def test_a_bed_given_or_out_of_service_shows_so_that_night_only(
    http: httpx.AsyncClient, housing: Housing
) -> None:
    slept, resting = await a_bed(http), await a_bed(http, confidential=True)
    async with housing.runtime.sessions() as session, session.begin():
        given = BedNight(
            bed_id=slept, night=TONIGHT, kind="stay", placement_id="p-1", created_at=NOW
        )
        session.add(given)
    outage = {"first_night": "2026-12-06", "last_night": "2026-12-07", "reason": "Leak"}
    made = await http.post(f"/beds/{resting}/outages", json=outage, headers=MANAGER)
    assert made.status_code == 201, made.text

    tonight = beds_of((await http.get("/board", headers=MANAGER)).json())
    assert (tonight[slept], tonight[resting]) == ("occupied", "out_of_service")
    later = (await http.get("/board", params={"night": "2026-12-08"}, headers=MANAGER)).json()
    assert (beds_of(later)[slept], beds_of(later)[resting]) == ("free", "free")
    assert date.fromisoformat(later["night"]) == date(2026, 12, 8)


async def test_the_board_is_the_operators_only(http: httpx.AsyncClient) -> None:
    refused = await http.get("/board", headers=PARTNER_STAFF)
    assert refused.status_code in (403, 404)
    assert refused.headers["content-type"].startswith("application/problem+json")


def at(day: int, hour: int) -> datetime:
    """An instant of December 2026, in UTC (Paris is an hour ahead)."""
    return datetime(2026, 12, day, hour, tzinfo=UTC)


async def offered(
    http: httpx.AsyncClient,
    room: dict[str, Any],
    household: dict[str, Any],
    first: date,
    nights: int = 1,
) -> dict[str, Any]:
    """The beds of `room` offered to a new request from `first` for `nights` nights."""
    asked = await http.post("/placements", json={"person_id": str(uuid.uuid4())}, headers=MANAGER)
    assert asked.status_code == 201, asked.text
    body = {
        "placement_id": asked.json()["id"],
        "room_id": room["id"],
        "first_night": first.isoformat(),
        "nights": nights,
        "household": household,
    }
    made = await http.post("/offers", json=body, headers=MANAGER)
    assert made.status_code == 201, made.text
    return dict(made.json())


async def checked_in(http: httpx.AsyncClient, offer: dict[str, Any]) -> None:
    arrived = await http.post(f"/offers/{offer['id']}/check-in", headers=MANAGER)
    assert arrived.status_code == 201, arrived.text


def as_read(board: dict[str, Any]) -> dict[str, Any]:
    """The board without the fields that say how it was read."""
    return {k: v for k, v in board.items() if k not in ("replayed", "as_of")}


async def the_night_of_december_6(housing: Housing, http: httpx.AsyncClient) -> dict[str, Any]:
    """A family checks in for three nights, a bed is out of service, a man's offer expires at
    20:00; the board read at 22:00 in Paris, once the night is settled."""
    rooms = await rooms_by_label(http)
    resting = rooms["202"]["beds"][0]["id"]
    outage = {"first_night": "2026-12-06", "last_night": "2026-12-06", "reason": "Leak"}
    assert (await http.post(f"/beds/{resting}/outages", json=outage, headers=MANAGER)).is_success
    await checked_in(http, await offered(http, rooms["103"], FAMILY_OF_FOUR, TONIGHT, nights=3))
    await offered(http, rooms["102"], ADULT_MAN, TONIGHT)
    housing.clock.set(at(6, 19))  # 20:00 in Paris
    assert await expire_once(housing) == 1
    housing.clock.set(at(6, 21))
    recorded = await http.get("/board", headers=MANAGER)
    assert recorded.status_code == 200, recorded.text
    return dict(recorded.json())


async def changed_since(housing: Housing, http: httpx.AsyncClient) -> tuple[str, str]:
    """The next morning, after the report hour: the family leaves, a man checks in, a bed is
    added, a leak is entered late over the night of the 6th. The new and the leaking bed."""
    rooms = await rooms_by_label(http)
    housing.clock.set(at(7, 10))
    family = next(b["stay_id"] for b in given_beds(await tonight_board(http)) if b["stay_id"])
    out = await http.post(
        f"/stays/{family}/check-out", json={"reason": "orientation"}, headers=MANAGER
    )
    assert out.status_code == 200, out.text
    await checked_in(http, await offered(http, rooms["102"], ADULT_MAN, date(2026, 12, 7)))
    added = await http.post(
        f"/rooms/{rooms['201']['id']}/beds", json={"label": "201-9"}, headers=MANAGER
    )
    assert added.status_code == 201, added.text
    leaking = rooms["203"]["beds"][0]["id"]
    late = {"first_night": "2026-12-06", "last_night": "2026-12-07", "reason": "Leak"}
    assert (await http.post(f"/beds/{leaking}/outages", json=late, headers=MANAGER)).is_success
    return str(added.json()["id"]), str(leaking)


async def tonight_board(http: httpx.AsyncClient) -> dict[str, Any]:
    answer = await http.get("/board", headers=MANAGER)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def given_beds(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every bed of the board, with the offer or stay that has it."""
    return [bed for site in board["sites"] for room in site["rooms"] for bed in room["beds"]]


async def test_a_past_night_is_the_board_read_that_night_whatever_changed_since(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    recorded = await the_night_of_december_6(housing, http)
    assert (recorded["replayed"], recorded["as_of"]) == (False, None), "tonight: the rows"
    assert (recorded["counts"]["occupied"], recorded["counts"]["out_of_service"]) == (4, 1)
    new_bed, leaking = await changed_since(housing, http)

    housing.clock.set(at(8, 15))
    asked = await http.get("/board", params={"night": "2026-12-06"}, headers=MANAGER)
    assert asked.status_code == 200, asked.text
    past = asked.json()
    assert past["replayed"] is True
    assert datetime.fromisoformat(past["as_of"]) == at(7, 8), "09:00 in Paris, the morning after"
    assert as_read(past) == as_read(recorded), "bed by bed, holders and counts"
    assert new_bed not in beds_of(past), "a bed added after the night is not on its board"
    assert beds_of(past)[leaking] == "free"
    assert len({b["stay_id"] for b in given_beds(past) if b["stay_id"]}) == 1, "the family"

    async with housing.runtime.sessions() as session:
        rows = (await board(session, TONIGHT)).model_dump(mode="json")
    assert rows["counts"]["out_of_service"] == 2, "today's rows say otherwise: not the board"
    assert new_bed in beds_of(rows)


async def test_a_past_nights_counts_are_its_figures(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    await the_night_of_december_6(housing, http)
    await changed_since(housing, http)
    housing.clock.set(at(8, 15))
    past = (await http.get("/board", params={"night": "2026-12-06"}, headers=MANAGER)).json()
    figures = (await http.get("/nights/2026-12-06/figures", headers=MANAGER)).json()
    assert figures["recorded"] is True
    assert datetime.fromisoformat(figures["as_of"]) == datetime.fromisoformat(past["as_of"])
    assert past["counts"] == figures["counts"]
    assert past["counts"]["occupied"] == 4
    by_site = {site["id"]: site for site in figures["sites"]}
    for site in past["sites"]:
        shown = by_site[site["id"]]
        assert (site["counts"], site["by_kind"], site["extra"]) == (
            shown["counts"],
            shown["by_kind"],
            shown["extra"],
        )


async def test_a_night_before_the_centre_existed_has_no_beds(http: httpx.AsyncClient) -> None:
    summer = (await http.get("/board", params={"night": "2026-07-14"}, headers=MANAGER)).json()
    assert summer["replayed"] is True
    assert summer["sites"] == [], "the plan was entered in December"
    assert set(summer["counts"].values()) == {0}
