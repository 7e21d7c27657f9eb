"""The console's split of a household over rooms of one site, over the real housing service
with intake as its key store: with the family rooms taken, a family of four waits; only a
coordinator is shown the rooms it could be split over, who sleeps where by age and sex (never
a name), and splits it with a reason, the board then holding both rooms' beds; a bed taken
meanwhile and rooms of two sites are refused in words beside the split; a caseworker is
offered no split and a forged one is refused in words; in Arabic, and in a real browser."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from services.console.app import create_app
from services.console.container import Console
from services.housing.bootstrap import load_centre
from tests.integration.api_served import serve
from tests.integration.console_world import csrf_of, sign_in, submit
from tests.integration.housing_world import (
    ADULT_MAN,
    CASEWORKER,
    COORDINATOR,
    NOW,
    TONIGHT,
    given,
    offer,
    rooms_by_label,
)
from tests.integration.in_process import WithIntake, databases, feed, housing_with_intake
from tests.integration.test_console_housing import console_over, ids_of
from tests.integration.test_console_housing_waiting import desk
from tests.integration.test_housing_applications import DESK, a_person
from tests.integration.test_housing_splits import no_family_room_takes_four
from tests.support.browser import axe_violations, screenshot

pytestmark = pytest.mark.integration
# `desk` is the console of `offices` below, over `world`: intake and housing at 16:00 on 6
# December in Montreuil, on PostgreSQL and on SQLite
__all__ = ["desk"]
World = WithIntake
REASON = "Le père au 102, la mère et les enfants au 105 : vu avec le SIAO"
BOARD = f"/housing/board?night={TONIGHT.isoformat()}"
WAITS = "Aucune chambre ne peut accueillir le foyer ces nuits-là : il reste en attente."


@pytest.fixture(params=["postgresql", "sqlite"])
async def world(
    request: pytest.FixtureRequest, pg_server_url: str, tmp_path: Path
) -> AsyncIterator[World]:
    """Intake and housing on fresh databases, the centre entered, housing's clock at NOW."""
    with databases(request.param, pg_server_url, tmp_path, "intake", "housing") as urls:
        async with housing_with_intake(urls, NOW) as pair:
            await load_centre(pair.housing)
            yield pair


@pytest.fixture
async def offices(world: World, tmp_path: Path) -> AsyncIterator[Console]:
    """The console over that housing, its clock at NOW."""
    async with console_over(world.http, tmp_path, NOW) as service:
        yield service


async def a_family(world: World) -> str:
    """A mother registered at the city's desk with the father (41) and their children (8 and
    4), their household told to housing; the city's request of a place for them."""
    person_id = await a_person(world)
    members = [
        {"relationship": "partner", "birth_date": "1985-05-02"},
        {"relationship": "child", "dependant": True, "birth_date": "2018-03-01"},
        {"relationship": "child", "dependant": True, "birth_date": "2022-06-01"},
    ]
    household = {"reference_person_id": person_id, "members": members}
    formed = await world.desk.post("/households", json=household, headers=DESK)
    assert formed.status_code == 201, formed.text
    await feed(world.intake.runtime, "intake.events", world.housing.runtime).pass_on()
    opened = await world.http.post("/placements", json={"person_id": person_id}, headers=DESK)
    assert opened.status_code == 201, opened.text
    placement = opened.json()
    assert [m["age"] for m in placement["members"]] == [None, 41, 8, 4], placement
    return str(placement["id"])


def split_forms(page: httpx.Response) -> list[dict[str, Any]]:
    """The fields of each "Split" form on the rooms page."""
    forms = re.findall(
        r'<form method="post" action="/housing/offers/split" class="split">(.*?)</form>',
        page.text,
        re.S,
    )
    found = []
    for form in forms:
        fields: dict[str, Any] = {}
        for name, value in re.findall(r'name="([a-z_]+)" (?:type="[a-z]+" )?value="([^"]*)"', form):
            fields.setdefault(name, []).append(value)
        found.append({name: v if name == "room" else v[0] for name, v in fields.items()})
    return found


def split_section(page: httpx.Response) -> str:
    """The page's "Split the household" section."""
    found = re.search(
        r'<section aria-labelledby="split" class="splits">(.*?)</section>', page.text, re.S
    )
    assert found, page.text
    return found[1]


def beds_of(form: dict[str, Any]) -> dict[str, list[str]]:
    """The beds a split form offers, by room."""
    rooms = (value.split(":") for value in form["room"])
    return {room: beds.split(",") for room, beds in rooms}


async def split_offers(world: World, board: httpx.Response) -> dict[str, list[str]]:
    """The offers of a split held on the board, their beds by room."""
    offers = []
    for offer_id in ids_of(board, "check-in"):
        shown = await world.http.get(f"/offers/{offer_id}", headers=CASEWORKER)
        offers.append(shown.json())
    return {o["room_id"]: o["bed_ids"] for o in offers if o["split_id"]}


async def test_a_coordinator_splits_a_family_no_room_takes_whole(
    world: World, desk: httpx.AsyncClient
) -> None:
    rooms = await no_family_room_takes_four(world.http)
    placement = await a_family(world)
    await sign_in(desk, "city-coordinator")
    page = await desk.get(f"/housing/placements/{placement}/rooms")
    assert page.status_code == 200, page.text
    assert WAITS in page.text, "never split unless a coordinator chooses to"
    shown = split_section(page)
    assert shown.index("Répartir le foyer") > 0
    assert page.text.index(WAITS) < page.text.index("Répartir le foyer")
    assert "personne 1 (âge inconnu, sexe non déclaré)" in shown
    assert "personne 2 (41 ans, sexe non déclaré)" in shown
    assert "personne 4 (4 ans, sexe non déclaré)" in shown
    assert "Amina" not in page.text, "members by age and sex, never by name"
    [form] = split_forms(page)
    chosen = beds_of(form)
    assert sorted(len(beds) for beds in chosen.values()) == [1, 3]
    assert rooms["105"]["id"] in chosen

    empty = await desk.post("/housing/offers/split", data={**form, "csrf": csrf_of(page)})
    assert empty.status_code == 422, empty.text
    assert 'aria-invalid="true"' in split_section(empty)
    assert "Ce champ est obligatoire." in split_section(empty)

    data = {**form, "csrf": csrf_of(page), "reason": REASON}
    made = await desk.post("/housing/offers/split", data=data)
    assert made.status_code == 303, made.text
    assert made.headers["location"] == BOARD
    board = await desk.get(BOARD)
    assert await split_offers(world, board) == chosen, "both rooms' beds held, as shown"
    for room_id, beds in chosen.items():
        room = next(r for r in rooms.values() if r["id"] == room_id)
        labels = [bed["label"] for bed in room["beds"] if bed["id"] in beds]
        assert f"Lits réservés : {', '.join(labels)}" in board.text
    again = await desk.get(f"/housing/placements/{placement}/rooms")
    assert "Répartir le foyer" not in again.text, "no room left to split over"


async def test_a_bed_taken_meanwhile_and_rooms_of_two_sites_are_refused_beside_the_split(
    world: World, desk: httpx.AsyncClient
) -> None:
    rooms = await no_family_room_takes_four(world.http)
    placement = await a_family(world)
    await sign_in(desk, "city-coordinator")
    page = await desk.get(f"/housing/placements/{placement}/rooms")
    [form] = split_forms(page)
    lone = next(room for room, beds in beds_of(form).items() if len(beds) == 1)
    meanwhile = await offer(world.http, {"id": lone}, ADULT_MAN)
    assert (await world.http.post("/offers", json=meanwhile, headers=CASEWORKER)).is_success
    before = await given(world.housing)

    data = {**form, "csrf": csrf_of(page), "reason": REASON}
    late = await desk.post("/housing/offers/split", data=data)
    assert late.status_code == 409, late.text
    assert "Ces lits ne sont plus libres" in split_section(late)
    assert f'value="{REASON}"' in split_section(late), "the reason is kept"
    assert await given(world.housing) == before, "nothing offered"

    shelter = await rooms_by_label(world.http, "les-tilleuls")
    two_sites = [f"{rooms['105']['id']}:", f"{shelter['T1']['id']}:"]
    refused = await desk.post("/housing/offers/split", data={**data, "room": two_sites})
    assert refused.status_code == 422, refused.text
    assert "Les chambres d'une répartition doivent être sur un même site." in refused.text
    assert 'role="alert"' in refused.text


async def test_a_caseworker_is_offered_no_split_and_a_forged_one_is_refused(
    world: World, desk: httpx.AsyncClient
) -> None:
    await no_family_room_takes_four(world.http)
    placement = await a_family(world)
    await sign_in(desk)
    page = await desk.get(f"/housing/placements/{placement}/rooms")
    assert page.status_code == 200, page.text
    assert WAITS in page.text
    assert "Répartir le foyer" not in page.text
    assert 'action="/housing/offers/split"' not in page.text

    candidates = await world.http.get(
        "/rooms/splits",
        params={"first_night": TONIGHT.isoformat(), "member": ["u", "41u", "8u", "4u"]},
        headers=COORDINATOR,
    )
    [split] = candidates.json()["splits"]
    forged = {
        "csrf": csrf_of(page),
        "placement_id": placement,
        "site_id": split["site_id"],
        "first_night": TONIGHT.isoformat(),
        "room": [f"{r['room_id']}:{','.join(r['bed_ids'])}" for r in split["rooms"]],
        "reason": REASON,
    }
    refused = await desk.post("/housing/offers/split", data=forged)
    assert refused.status_code == 403, refused.text
    assert "Seul un coordinateur du centre peut répartir un foyer" in refused.text
    assert 'role="alert"' in refused.text
    assert [row for row in await given(world.housing) if row[3] == placement] == []


async def test_the_split_in_arabic(world: World, desk: httpx.AsyncClient) -> None:
    await no_family_room_takes_four(world.http)
    placement = await a_family(world)
    await sign_in(desk, "city-coordinator")
    french = await desk.get("/today")
    chosen = await desk.post("/language", data={"csrf": csrf_of(french), "locale": "ar"})
    assert chosen.status_code == 303, chosen.text
    page = await desk.get(f"/housing/placements/{placement}/rooms")
    assert 'lang="ar" dir="rtl"' in page.text
    shown = split_section(page)
    assert "توزيع الأسرة" in shown
    assert "سبب التوزيع" in shown
    assert "الشخص 2" in shown
    assert "التوزيع وعرض هذه الأسرّة" in shown


async def test_the_split_in_three_languages_in_a_real_browser(
    browser: WebDriver, world: World, offices: Console, request: pytest.FixtureRequest
) -> None:
    database = request.node.callspec.params["world"]
    await no_family_room_takes_four(world.http)
    placement = await a_family(world)
    async with serve(create_app(offices)) as url:
        await asyncio.to_thread(read_the_split, browser, url, database, placement)


def read_the_split(driver: WebDriver, url: str, database: str, placement: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/signin")
    submit(driver, "//button[contains(., 'city-coordinator')]", "form[action='/signout']")
    for locale in ("fr", "en", "ar"):
        Select(driver.find_element(By.ID, "locale")).select_by_value(locale)
        submit(driver, "//form[@action='/language']//button", f"html[lang='{locale}']")
        driver.get(f"{url}/housing/placements/{placement}/rooms")
        assert driver.find_elements(By.CSS_SELECTOR, "form.split input[required]"), locale
        violations = axe_violations(driver)
        assert not violations, violations
        screenshot(driver, f"console/{database}/housing-split-{locale}", full_page=True)
    Select(driver.find_element(By.ID, "locale")).select_by_value("fr")
    submit(driver, "//form[@action='/language']//button", "html[lang='fr']")
