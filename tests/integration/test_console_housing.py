"""The console's bed board over the real housing service: tonight or any night, each bed's
state in words and colour, the operator's only; in French, English and Arabic in a real
browser, checked by axe and saved as screenshots."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

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
from tests.integration.console_world import sign_in, submit
from tests.integration.test_housing_centre import MANAGER, NOW, a_bed, housing
from tests.support.browser import axe_violations, screenshot

pytestmark = pytest.mark.integration
__all__ = ["housing"]  # the housing service fixture, on SQLite and on PostgreSQL


@pytest.fixture
async def centre(housing: Housing) -> AsyncIterator[httpx.AsyncClient]:
    """Housing's API with the demo centre entered, as the console reaches it."""
    await load_centre(housing)
    transport = httpx.ASGITransport(app=create_housing_app(housing))
    async with httpx.AsyncClient(transport=transport, base_url="http://housing") as client:
        yield client


@pytest.fixture
async def console(centre: httpx.AsyncClient, tmp_path: Path) -> AsyncIterator[Console]:
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
    service = bootstrap(settings, clients={**clients, "housing": centre})
    service.clock.set(NOW)
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


async def test_a_partner_association_sees_no_board(desk: httpx.AsyncClient) -> None:
    await sign_in(desk, "x-caseworker")
    for path in ("/housing/board", "/housing/waiting"):
        page = await desk.get(path)
        assert page.status_code == 404, path
        assert "Introuvable, ou non visible pour votre organisation." in page.text


async def test_the_bed_board_in_three_languages_in_a_real_browser(
    browser: WebDriver, console: Console, request: pytest.FixtureRequest
) -> None:
    database = request.node.callspec.params["housing"]
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
        violations = axe_violations(driver)
        assert not violations, violations
        screenshot(driver, f"console/{database}/housing-board-{locale}", full_page=True)
    Select(driver.find_element(By.ID, "locale")).select_by_value("fr")
    submit(driver, "//form[@action='/language']//button", "html[lang='fr']")
