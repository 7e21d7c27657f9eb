"""A night's figures from housing's events, through the real handlers and API: last Tuesday's
report asked today, after later check-outs, check-ins and an outage entered afterwards,
equals what was recorded that night; the funders' CSV holds counts only; another
organisation is refused. PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from services.housing.app import create_app
from services.housing.bootstrap import load_centre
from services.housing.container import Housing
from services.housing.scheduler import expire_once
from tests.integration.conftest import token
from tests.integration.housing_world import (
    ADULT_MAN,
    CASEWORKER,
    COORDINATOR,
    FAMILY_OF_FOUR,
    PARTNER_CASEWORKER,
    PARTNER_COORDINATOR,
    a_placement,
    rooms_by_label,
)
from tests.integration.test_housing_centre import AUDITOR, housing

pytestmark = pytest.mark.integration
__all__ = ["housing"]  # the fixture, used by name

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # the plan entered
TUESDAY = date(2026, 12, 1)
WEDNESDAY_MORNING = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)  # 09:30 in Paris: after the report
TODAY = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)  # the Sunday after
PARTNER_AUDITOR = token("assoc-x", "auditor", user="paul")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of December 2026, in UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def http(housing: Housing) -> AsyncIterator[httpx.AsyncClient]:
    """Housing's API in process, the plan entered on the Monday before."""
    housing.clock.set(MONDAY)
    await load_centre(housing)
    transport = httpx.ASGITransport(app=create_app(housing))
    async with httpx.AsyncClient(transport=transport, base_url="http://housing") as client:
        yield client


async def offered(
    http: httpx.AsyncClient,
    room: dict[str, Any],
    household: dict[str, Any],
    first: date,
    **more: Any,
) -> dict[str, Any]:
    """An offer made for a new placement."""
    body = {
        "placement_id": (await a_placement(http))["id"],
        "room_id": room["id"],
        "first_night": first.isoformat(),
        "household": household,
    } | more
    made = await http.post("/offers", json=body, headers=CASEWORKER)
    assert made.status_code == 201, made.text
    return dict(made.json())


async def checked_in(http: httpx.AsyncClient, offer: dict[str, Any]) -> dict[str, Any]:
    stay = await http.post(f"/offers/{offer['id']}/check-in", headers=CASEWORKER)
    assert stay.status_code == 201, stay.text
    return dict(stay.json())


async def report(http: httpx.AsyncClient, night: date, headers: dict[str, str]) -> Any:
    answer = await http.get(f"/nights/{night.isoformat()}/report.json", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def tuesday(housing: Housing, http: httpx.AsyncClient) -> list[str]:
    """Tuesday: a family checks in for three nights, a man's offer expires at 20:00, a bed is
    out of service. The ids made: offer, placement, stay (2), offer, placement."""
    rooms = await rooms_by_label(http)
    housing.clock.set(at(1, 9))
    resting = rooms["202"]["beds"][0]["id"]
    outage = {"first_night": "2026-12-01", "last_night": "2026-12-01", "reason": "Leak"}
    assert (await http.post(f"/beds/{resting}/outages", json=outage, headers=CASEWORKER)).is_success
    housing.clock.set(at(1, 15))
    family = await offered(http, rooms["103"], FAMILY_OF_FOUR, TUESDAY, nights=3)
    stay = await checked_in(http, family)
    man = await offered(http, rooms["102"], ADULT_MAN, TUESDAY)
    housing.clock.set(at(1, 19))  # 20:00 in Paris
    assert await expire_once(housing) == 1
    return [family["id"], family["placement_id"], stay["id"], man["id"], man["placement_id"]]


async def test_last_tuesdays_report_asked_today_is_what_was_recorded_that_night(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    made = await tuesday(housing, http)
    housing.clock.set(WEDNESDAY_MORNING)
    recorded = await report(http, TUESDAY, CASEWORKER)
    assert recorded["recorded"] is True
    assert recorded["counts"]["occupied"] == 4
    assert recorded["counts"]["held"] == 0, "the man's offer expired at 20:00"
    assert recorded["counts"]["out_of_service"] == 1
    assert recorded["stays"]["arrivals"] == 1

    rooms = await rooms_by_label(http)
    housing.clock.set(at(2, 10))  # the family leaves on Wednesday morning
    out = await http.post(
        f"/stays/{made[2]}/check-out", json={"reason": "orientation"}, headers=CASEWORKER
    )
    assert out.status_code == 200, out.text
    housing.clock.set(at(3, 15))  # Thursday: a man checks in, a bed's leak entered late
    await checked_in(http, await offered(http, rooms["102"], ADULT_MAN, date(2026, 12, 3)))
    late = {"first_night": "2026-12-01", "last_night": "2026-12-03", "reason": "Leak"}
    bed = rooms["203"]["beds"][0]["id"]
    assert (await http.post(f"/beds/{bed}/outages", json=late, headers=CASEWORKER)).is_success

    housing.clock.set(TODAY)
    assert await report(http, TUESDAY, CASEWORKER) == recorded
    board = (await http.get("/board", params={"night": "2026-12-01"}, headers=CASEWORKER)).json()
    assert board["counts"] == recorded["counts"], "the past night's board is replayed too"
    wednesday = await report(http, date(2026, 12, 2), COORDINATOR)
    assert (wednesday["counts"]["occupied"], wednesday["stays"]["departures"]) == (0, 1)
    assert wednesday["stays"]["left_that_day"]["longest_nights"] == 1


async def test_a_future_night_is_the_bookings_so_far(
    housing: Housing, http: httpx.AsyncClient
) -> None:
    rooms = await rooms_by_label(http)
    housing.clock.set(at(1, 15))
    await checked_in(http, await offered(http, rooms["103"], FAMILY_OF_FOUR, TUESDAY, nights=5))
    figures = (await http.get("/nights/2026-12-04/figures", headers=CASEWORKER)).json()
    assert figures["recorded"] is False
    assert figures["as_of"].startswith("2026-12-01T15:00")
    assert figures["counts"]["occupied"] == 4
    assert {site["id"] for site in figures["sites"]}, "the operator sees the sites' ids"


async def test_the_funders_csv_has_counts_only(housing: Housing, http: httpx.AsyncClient) -> None:
    made = await tuesday(housing, http)
    housing.clock.set(TODAY)
    answer = await http.get("/nights/2026-12-01/report.csv", headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    occupied = [
        r for r in rows if (r["site"], r["group"], r["measure"]) == ("all", "all", "occupied")
    ]
    assert [r["value"] for r in occupied] == ["4"]
    sites = (await http.get("/sites", headers=CASEWORKER)).json()
    secret = [s["id"] for s in sites] + [
        room["id"] for room in (await rooms_by_label(http)).values()
    ]
    json_report = (await http.get("/nights/2026-12-01/report.json", headers=AUDITOR)).text
    for text in (answer.text, json_report):
        for identifier in [*made, *secret]:
            assert identifier not in text, "no person, placement, offer, stay, site or room id"
        assert "person" not in text


@pytest.mark.parametrize("suffix", ["figures", "report.json", "report.csv"])
async def test_another_organisation_is_refused(http: httpx.AsyncClient, suffix: str) -> None:
    path = f"/nights/2026-12-01/{suffix}"
    for caller in (PARTNER_CASEWORKER, PARTNER_COORDINATOR, PARTNER_AUDITOR):
        refused = await http.get(path, headers=caller)
        assert refused.status_code == 403, refused.text
    assert (await http.get(path)).status_code == 401
    assert (await http.get(path, headers=AUDITOR)).status_code == 200
    bad = await http.get("/nights/not-a-day/figures", headers=CASEWORKER)
    assert bad.status_code == 422
