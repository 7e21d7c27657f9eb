"""The night's bed board: every bed of the centre and its state that night, counted per site
and room kind with the extra capacity apart, for the operator only. PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from services.housing.container import Housing
from services.housing.models import BedNight
from tests.integration.test_housing_centre import (  # the service's fixtures and users
    MANAGER,
    NOW,
    PARTNER_STAFF,
    a_bed,
    housing,
    http,
)

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

    summer = (await http.get("/board", params={"night": "2026-07-14"}, headers=MANAGER)).json()
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
