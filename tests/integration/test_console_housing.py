"""The console's reception centre pages over the real housing service: the bed board tonight
or any night, each bed's state in words and colour; a room found and offered from the waiting
list, a bed held, a household checked in and out; the social housing applications with their
renewal dates. The operator's only; in French, English and Arabic in a real browser, checked
by axe and saved as screenshots."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from services.console.app import create_app
from services.console.bootstrap import bootstrap
from services.console.container import Console
from services.console.settings import ConsoleSettings
from services.housing.app import create_app as create_housing_app
from services.housing.bootstrap import load_centre
from services.housing.container import Housing
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.migrations import upgrade
from tests.integration.api_served import serve
from tests.integration.conftest import token
from tests.integration.console_world import csrf_of, sign_in, submit
from tests.integration.test_housing_applications import TODAY, World, a_person, file, world
from tests.integration.test_housing_centre import MANAGER, NOW, a_bed, housing
from tests.support.browser import axe_violations, screenshot

pytestmark = pytest.mark.integration
# the housing service on SQLite and on PostgreSQL; `world` adds intake as its key store
__all__ = ["housing", "world"]
COORDINATOR = token("city-montreuil", "coordinator", user="camille")


@pytest.fixture
async def centre(housing: Housing) -> AsyncIterator[httpx.AsyncClient]:
    """Housing's API with the demo centre entered, as the console reaches it."""
    await load_centre(housing)
    transport = httpx.ASGITransport(app=create_housing_app(housing))
    async with httpx.AsyncClient(transport=transport, base_url="http://housing") as client:
        yield client


@pytest.fixture
async def console(centre: httpx.AsyncClient, tmp_path: Path) -> AsyncIterator[Console]:
    async with console_over(centre, tmp_path, NOW) as service:
        yield service


@contextlib.asynccontextmanager
async def console_over(
    housing_http: httpx.AsyncClient, tmp_path: Path, now: datetime
) -> AsyncIterator[Console]:
    """The console asking this housing API, the other services down, its clock at `now`."""
    settings = ConsoleSettings(
        development=True,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )
    nowhere = "http://127.0.0.1:9"
    clients = {
        name: httpx.AsyncClient(base_url=nowhere, timeout=2)
        for name in ("intake", "casework", "notifications")
    }
    service = bootstrap(settings, clients={**clients, "housing": housing_http})
    service.clock.set(now)
    await upgrade(service.engine, service.migrations)
    yield service
    await service.engine.dispose()


@pytest.fixture
async def desk(console: Console) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(console))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        yield client


async def test_the_operator_reads_tonights_beds_and_any_other_night(
    desk: httpx.AsyncClient, centre: httpx.AsyncClient
) -> None:
    bed = await a_bed(centre)
    outage = {"first_night": "2026-12-06", "last_night": "2026-12-06", "reason": "Leak"}
    assert (await centre.post(f"/beds/{bed}/outages", json=outage, headers=MANAGER)).is_success
    await sign_in(desk)
    page = await desk.get("/housing/board")
    assert page.status_code == 200, page.text
    assert "nuit du 6 décembre 2026" in page.text
    assert '<li class="bed out_of_service">' in page.text
    assert "places supplémentaires (plan hiver)" in page.text
    assert 'href="/housing/board"' in page.text, "in the menu"

    later = await desk.get("/housing/board", params={"night": "2026-12-07"})
    assert "nuit du 7 décembre 2026" in later.text
    assert '<li class="bed out_of_service">' not in later.text


async def test_the_waiting_list_shows_each_households_terms(
    desk: httpx.AsyncClient, centre: httpx.AsyncClient
) -> None:
    body = {"person_id": str(uuid.uuid4()), "nights_without_shelter": 4}
    opened = await centre.post("/placements", json=body, headers=MANAGER)
    assert opened.status_code == 201, opened.text
    await sign_in(desk)
    page = await desk.get("/housing/waiting")
    assert page.status_code == 200, page.text
    assert f'href="/persons/{body["person_id"]}"' in page.text
    assert "foyer pas entièrement connu" in page.text, "intake's key store is not there"
    terms = page.text[page.text.index('<ul class="terms">') :]
    assert ": 4 (4 \u00d7 1)" in terms, "four nights without shelter, a point each"
    assert 'aria-current="page">Liste d' in page.text


async def a_placement(centre: httpx.AsyncClient) -> str:
    """A person alone waiting for a bed, asked for by the city; the request's id."""
    body = {"person_id": str(uuid.uuid4())}
    opened = await centre.post("/placements", json=body, headers=MANAGER)
    assert opened.status_code == 201, opened.text
    return str(opened.json()["id"])


def first_offer(page: httpx.Response) -> dict[str, list[str]]:
    """The fields of the first "Offer these beds" form on the rooms page."""
    form = re.search(
        r'<form method="post" action="/housing/offers" class="offer">(.*?)</form>', page.text, re.S
    )
    assert form, page.text
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="([a-z_]+)" value="([^"]*)"', form[1]):
        fields.setdefault(name, []).append(value)
    return fields


def ids_of(page: httpx.Response, action: str) -> list[str]:
    """The ids in the forms' actions of this kind on the bed board (check-in, check-out)."""
    return re.findall(rf'action="/housing/(?:offers|stays)/([0-9a-f-]{{36}})/{action}"', page.text)


async def offered(desk: httpx.AsyncClient, centre: httpx.AsyncClient) -> dict[str, list[str]]:
    """A household offered the first room found for it from the waiting list; the offer."""
    placement = await a_placement(centre)
    waiting = await desk.get("/housing/waiting")
    assert f'href="/housing/placements/{placement}/rooms"' in waiting.text
    rooms = await desk.get(f"/housing/placements/{placement}/rooms")
    assert rooms.status_code == 200, rooms.text
    assert "1 nuit à partir du 6 déc. 2026" in rooms.text or "6 décembre 2026" in rooms.text
    fields = first_offer(rooms)
    answer = await desk.post("/housing/offers", data={**fields, "csrf": csrf_of(rooms)})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/housing/board?night=2026-12-06"
    return fields


async def test_a_room_offered_from_the_waiting_list_holds_its_beds_on_the_board(
    desk: httpx.AsyncClient, centre: httpx.AsyncClient
) -> None:
    await sign_in(desk)
    fields = await offered(desk, centre)
    board = await desk.get("/housing/board", params={"night": "2026-12-06"})
    assert '<li class="bed held">' in board.text
    assert len(ids_of(board, "check-in")) == 1, "the offer, once, with its Checked in button"
    held = await centre.get(f"/offers/{ids_of(board, 'check-in')[0]}", headers=MANAGER)
    assert held.json()["bed_ids"] == fields["bed_id"]

    other = await a_placement(centre)
    again = {**fields, "placement_id": [other], "csrf": csrf_of(board)}
    refused = await desk.post("/housing/offers", data=again)
    assert refused.status_code == 409, refused.text
    assert "Ces lits ne sont plus libres" in refused.text
    assert 'role="alert"' in refused.text


async def test_a_household_checks_in_and_out_with_an_orientation(
    desk: httpx.AsyncClient, centre: httpx.AsyncClient
) -> None:
    await sign_in(desk)
    await offered(desk, centre)
    board = await desk.get("/housing/board")
    (offer,) = ids_of(board, "check-in")
    form = {"csrf": csrf_of(board), "night": "2026-12-06"}
    arrived = await desk.post(f"/housing/offers/{offer}/check-in", data=form)
    assert arrived.status_code == 303, arrived.text
    board = await desk.get("/housing/board")
    assert '<li class="bed occupied">' in board.text
    assert not ids_of(board, "check-in")
    (stay,) = ids_of(board, "check-out")
    assert "orientation vers une autre structure" in board.text, "the reasons, in words"

    left = await desk.post(f"/housing/stays/{stay}/check-out", data={**form, "reason": "left"})
    assert left.status_code == 403, "a caseworker does not decide a departure alone"
    assert "la continuité de l'hébergement" in left.text
    assert ids_of(left, "check-out") == [stay], "the household is still there"

    out = await desk.post(
        f"/housing/stays/{stay}/check-out", data={**form, "reason": "orientation"}
    )
    assert out.status_code == 303, out.text
    stayed = (await desk.get("/housing/board")).text
    assert '<li class="bed occupied">' not in stayed
    assert f"/stays/{stay}/" not in stayed


async def test_a_free_bed_is_held_for_someone_brought_over(
    desk: httpx.AsyncClient, centre: httpx.AsyncClient
) -> None:
    await sign_in(desk)
    board = await desk.get("/housing/board")
    bed = re.search(
        r'class="hold">\s*<input[^>]*>\s*<input type="hidden" name="bed_id" '
        r'value="([0-9a-f-]{36})"',
        board.text,
    )
    assert bed, board.text
    held = await desk.post("/housing/holds", data={"csrf": csrf_of(board), "bed_id": bed[1]})
    assert held.status_code == 303, held.text
    after = await desk.get("/housing/board")
    assert f'value="{bed[1]}"' not in after.text, "no longer offered for a hold"
    assert len(ids_of(after, "check-in")) == 1, "the hold is checked in like an offer"


async def test_a_partner_association_sees_no_board(
    desk: httpx.AsyncClient, centre: httpx.AsyncClient
) -> None:
    placement = await a_placement(centre)
    await sign_in(desk, "x-caseworker")
    for path in ("/housing/board", "/housing/waiting", f"/housing/placements/{placement}/rooms"):
        page = await desk.get(path)
        assert page.status_code == 404, path
        assert "Introuvable, ou non visible pour votre organisation." in page.text
    mine = await desk.get("/housing/applications")
    assert mine.status_code == 200, "its own applications only: here none"
    assert 'class="application' not in mine.text


async def offer_by_api(centre: httpx.AsyncClient, check_in: bool) -> None:
    """A person alone offered the best room tonight, and checked in if asked."""
    placement = await a_placement(centre)
    found = await centre.get(
        "/rooms/availability", params={"first_night": "2026-12-06", "member": "u"}, headers=MANAGER
    )
    choice = found.json()["choices"][0]
    body = {
        "placement_id": placement,
        "room_id": choice["room_id"],
        "first_night": "2026-12-06",
        "household": {"members": [{"age": None, "sex": "unknown"}]},
    }
    offer = await centre.post("/offers", json=body, headers=MANAGER)
    assert offer.status_code == 201, offer.text
    if check_in:
        stay = await centre.post(f"/offers/{offer.json()['id']}/check-in", headers=MANAGER)
        assert stay.status_code == 201, stay.text


async def test_the_bed_board_in_three_languages_in_a_real_browser(
    browser: WebDriver, console: Console, centre: httpx.AsyncClient, request: pytest.FixtureRequest
) -> None:
    database = request.node.callspec.params["housing"]
    await offer_by_api(centre, check_in=True)
    await offer_by_api(centre, check_in=False)
    async with serve(create_app(console)) as url:
        await asyncio.to_thread(read_the_board, browser, url, database)


def read_the_board(driver: WebDriver, url: str, database: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/signin")
    submit(driver, "//button[contains(., 'city-desk')]", "form[action='/signout']")
    for locale in ("fr", "en", "ar"):
        Select(driver.find_element(By.ID, "locale")).select_by_value(locale)
        submit(driver, "//form[@action='/language']//button", f"html[lang='{locale}']")
        driver.get(f"{url}/housing/board")
        assert driver.find_elements(By.CSS_SELECTOR, "li.bed.free"), "free beds are shown"
        for action in ("hold", "check-in", "check-out"):
            assert driver.find_elements(By.CSS_SELECTOR, f"form.{action}"), action
        violations = axe_violations(driver)
        assert not violations, violations
        screenshot(driver, f"console/{database}/housing-board-{locale}", full_page=True)
    Select(driver.find_element(By.ID, "locale")).select_by_value("fr")
    submit(driver, "//form[@action='/language']//button", "html[lang='fr']")


@pytest.fixture
async def offices(world: World, tmp_path: Path) -> AsyncIterator[Console]:
    """The console over housing with intake as its key store, the centre entered."""
    await load_centre(world.housing)
    async with console_over(world.http, tmp_path, TODAY) as service:
        yield service


async def an_application(world: World) -> dict[str, Any]:
    """A person's application filed by their association, with a DALO case."""
    return await file(world, await a_person(world), dalo_case_id=str(uuid.uuid4()))


async def test_the_applications_list_their_renewal_dates(world: World, offices: Console) -> None:
    filed = await an_application(world)
    transport = httpx.ASGITransport(app=create_app(offices))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as desk:
        await sign_in(desk)
        page = await desk.get("/housing/applications")
        assert page.status_code == 200, page.text
        assert "13 mars 2026 · dans 52 jours" in page.text
        assert f'href="/cases/{filed["dalo_case_id"]}"' in page.text
        assert filed["number"] in page.text
        assert 'class="renew"' in page.text
        assert 'aria-current="page">Demandes de logement social' in page.text

        form = {"csrf": csrf_of(page), "renewed_on": "2026-01-19"}
        renewed = await desk.post(f"/housing/applications/{filed['id']}/renewals", data=form)
        assert renewed.status_code == 303, renewed.text
        after = await desk.get("/housing/applications")
        assert "13 mars 2027" in after.text
        assert "1 renouvellement" in after.text

        late = await desk.post(
            f"/housing/applications/{filed['id']}/renewals",
            data={**form, "renewed_on": "2027-03-20"},
        )
        assert late.status_code >= 400
        assert 'role="alert"' in late.text


async def test_the_rooms_and_applications_in_three_languages_in_a_real_browser(
    browser: WebDriver, world: World, offices: Console, request: pytest.FixtureRequest
) -> None:
    database = request.node.callspec.params["world"]
    await an_application(world)
    opened = await world.http.post(
        "/placements", json={"person_id": str(uuid.uuid4())}, headers=MANAGER
    )
    assert opened.status_code == 201, opened.text
    async with serve(create_app(offices)) as url:
        await asyncio.to_thread(read_the_pages, browser, url, database, opened.json()["id"])


def read_the_pages(driver: WebDriver, url: str, database: str, placement: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/signin")
    submit(driver, "//button[contains(., 'city-desk')]", "form[action='/signout']")
    pages = {
        "rooms": (f"/housing/placements/{placement}/rooms", "form.offer"),
        "applications": ("/housing/applications", "form.renew"),
    }
    for locale in ("fr", "en", "ar"):
        Select(driver.find_element(By.ID, "locale")).select_by_value(locale)
        submit(driver, "//form[@action='/language']//button", f"html[lang='{locale}']")
        for name, (path, shown) in pages.items():
            driver.get(f"{url}{path}")
            assert driver.find_elements(By.CSS_SELECTOR, shown), (name, locale)
            violations = axe_violations(driver)
            assert not violations, violations
            screenshot(driver, f"console/{database}/housing-{name}-{locale}", full_page=True)
    Select(driver.find_element(By.ID, "locale")).select_by_value("fr")
    submit(driver, "//form[@action='/language']//button", "html[lang='fr']")
