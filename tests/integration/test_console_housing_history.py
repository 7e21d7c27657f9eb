"""The console's bed board of a past night, over the real housing service: the beds and
counts as recorded that night, whatever was checked in, checked out, added or put out of
service since, said so in a sentence, with no hold, check-in or check-out; the night still
chosen in its form. In French, English and Arabic in a real browser, checked by axe and saved
as screenshots. Housing on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from services.console.app import create_app
from services.console.container import Console
from services.housing.container import Housing
from tests.integration.api_served import serve
from tests.integration.console_world import sign_in, submit
from tests.integration.test_console_housing import centre, console, desk, offer_by_api
from tests.integration.test_housing_centre import MANAGER, a_bed, housing
from tests.support.browser import axe_violations, screenshot

pytestmark = pytest.mark.integration
__all__ = ["centre", "console", "desk", "housing"]  # fixtures, used by name

PAST = "2026-12-06"
AS_RECORDED = "Comme enregistré cette nuit-là"


def at(day: int, hour: int) -> datetime:
    """An instant of December 2026, in UTC (Paris is an hour ahead)."""
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def clocks(housing: Housing, console: Console, now: datetime) -> None:
    housing.clock.set(now)
    console.clock.set(now)


def beds_shown(page: httpx.Response) -> list[tuple[str, str]]:
    """Each bed of the page, in order: its state (the class) and its label."""
    return re.findall(r'<li class="bed ([a-z_]+)">([^:<]+):', page.text)


def figures_shown(page: httpx.Response) -> list[str]:
    """Every count of the page's tables, in order."""
    return re.findall(r'<td class="number">(\d+)</td>', page.text)


def actions(page: httpx.Response) -> list[str]:
    """The classes of the forms that change something on the board."""
    return re.findall(r'<form method="post" action="/housing/[^"]+" class="([a-z-]+)"', page.text)


async def the_night_then_the_days_after(
    housing: Housing, console: Console, desk: httpx.AsyncClient, centre: httpx.AsyncClient
) -> httpx.Response:
    """A man checks in and a bed is out of service on the 6th, the board read at 22:00 in
    Paris; the next day he leaves, a bed is added and a late leak entered over the 6th.
    The board as read on the night."""
    clocks(housing, console, at(6, 15))
    await offer_by_api(centre, check_in=True)
    resting = await a_bed(centre, confidential=True)
    outage = {"first_night": PAST, "last_night": PAST, "reason": "Leak"}
    assert (await centre.post(f"/beds/{resting}/outages", json=outage, headers=MANAGER)).is_success
    clocks(housing, console, at(6, 21))
    await sign_in(desk)  # a session lasts as long as its access token: one a reading
    that_night = await desk.get("/housing/board")
    assert that_night.status_code == 200, that_night.text
    assert {"hold", "check-out"} <= set(actions(that_night)), "tonight: the actions"
    assert AS_RECORDED not in that_night.text

    clocks(housing, console, at(7, 10))
    board = (await centre.get("/board", params={"night": PAST}, headers=MANAGER)).json()
    rooms = [room for site in board["sites"] for room in site["rooms"]]
    beds = [bed for room in rooms for bed in room["beds"]]
    stay = next(bed["stay_id"] for bed in beds if bed["stay_id"])
    left = await centre.post(
        f"/stays/{stay}/check-out", json={"reason": "orientation"}, headers=MANAGER
    )
    assert left.status_code == 200, left.text
    dormitory = next(room["id"] for room in rooms if room["kind"] == "women_only")
    added = await centre.post(f"/rooms/{dormitory}/beds", json={"label": "Z9"}, headers=MANAGER)
    assert added.status_code == 201, added.text
    leaking = next(b["id"] for b in beds if b["state"] == "free" and not b["extra_block"])
    late = {"first_night": PAST, "last_night": "2026-12-07", "reason": "Leak"}
    assert (await centre.post(f"/beds/{leaking}/outages", json=late, headers=MANAGER)).is_success
    return that_night


async def test_a_past_night_shows_the_board_as_recorded_without_actions(
    housing: Housing, console: Console, desk: httpx.AsyncClient, centre: httpx.AsyncClient
) -> None:
    that_night = await the_night_then_the_days_after(housing, console, desk, centre)
    clocks(housing, console, at(8, 15))
    await sign_in(desk)
    past = await desk.get("/housing/board", params={"night": PAST})
    assert past.status_code == 200, past.text
    assert "nuit du 6 décembre 2026" in past.text
    assert AS_RECORDED in past.text
    assert "7 déc. 2026, 09:00:00" in past.text, "the events up to 09:00 the morning after"
    assert beds_shown(past) == beds_shown(that_night), "bed by bed, as read that night"
    assert "Z9" not in [label for _state, label in beds_shown(past)]
    assert figures_shown(past) == figures_shown(that_night)
    assert actions(past) == [], "no hold, check-in or check-out on a past night"
    assert '<input id="night" name="night" type="date" value="2026-12-06">' in past.text
    assert 'href="/housing/board">Le tableau de ce soir</a>' in past.text

    tonight = await desk.get("/housing/board")
    assert AS_RECORDED not in tonight.text
    assert "hold" in actions(tonight)
    assert beds_shown(tonight) != beds_shown(past), "tonight has the bed added since"


async def test_a_past_night_in_three_languages_in_a_real_browser(
    browser: WebDriver,
    housing: Housing,
    console: Console,
    desk: httpx.AsyncClient,
    centre: httpx.AsyncClient,
    request: pytest.FixtureRequest,
) -> None:
    database = request.node.callspec.params["housing"]
    await the_night_then_the_days_after(housing, console, desk, centre)
    clocks(housing, console, at(8, 15))
    async with serve(create_app(console)) as url:
        await asyncio.to_thread(read_the_past_board, browser, url, database)


def read_the_past_board(driver: WebDriver, url: str, database: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/signin")
    submit(driver, "//button[contains(., 'city-desk')]", "form[action='/signout']")
    for locale in ("fr", "en", "ar"):
        Select(driver.find_element(By.ID, "locale")).select_by_value(locale)
        submit(driver, "//form[@action='/language']//button", f"html[lang='{locale}']")
        driver.get(f"{url}/housing/board?night={PAST}")
        assert driver.find_element(By.ID, "as-recorded").is_displayed(), locale
        assert driver.find_elements(By.CSS_SELECTOR, "li.bed.occupied"), "as it was"
        for action in ("hold", "check-in", "check-out"):
            assert not driver.find_elements(By.CSS_SELECTOR, f"form.{action}"), action
        violations = axe_violations(driver)
        assert not violations, violations
        screenshot(driver, f"console/{database}/housing-board-past-{locale}", full_page=True)
    Select(driver.find_element(By.ID, "locale")).select_by_value("fr")
    submit(driver, "//form[@action='/language']//button", "html[lang='fr']")
