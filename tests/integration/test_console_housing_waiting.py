"""The console's waiting list and social housing applications over the real housing service,
intake as its key store: a coordinator moves a household up the list with a reason, shown
beside its place; a caseworker is offered no such move and a forged one is refused in words;
a dwelling proposed after a commission is recorded, then refused with its reason; in French,
in Arabic, and in a real browser checked by axe."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from services.console.app import create_app
from services.console.container import Console
from tests.integration.api_served import serve
from tests.integration.console_world import csrf_of, sign_in, submit
from tests.integration.test_console_housing import an_application, offices, world
from tests.integration.test_housing_applications import World, a_person
from tests.integration.test_housing_centre import MANAGER
from tests.support.browser import axe_violations, screenshot

pytestmark = pytest.mark.integration
# the console over housing and intake, on SQLite and on PostgreSQL
__all__ = ["offices", "world"]
MOVE = "Sortie de maternité, vue avec le SIAO"
DWELLING = "T3 au 12 rue des Canaries, Montreuil, 2e étage"
REFUSAL = "Trop loin de la crèche des enfants"


@pytest.fixture
async def desk(offices: Console) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(offices))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        yield client


async def waiting(world: World, nights: int) -> str:
    """A person registered at intake, waiting for a bed after `nights` outside; the request."""
    body = {"person_id": await a_person(world), "nights_without_shelter": nights}
    opened = await world.http.post("/placements", json=body, headers=MANAGER)
    assert opened.status_code == 201, opened.text
    return str(opened.json()["id"])


def order(page: httpx.Response) -> list[str]:
    """The waiting list's requests, in the order shown."""
    return re.findall(r'<tr id="placement-([0-9a-f-]{36})"', page.text)


def row(page: httpx.Response, placement: str) -> str:
    """The waiting list's row of one request."""
    found = re.search(rf'<tr id="placement-{placement}"(.*?)</tr>', page.text, re.S)
    assert found, page.text
    return found[1]


async def test_a_coordinators_move_reorders_the_list_with_its_reason(
    world: World, desk: httpx.AsyncClient
) -> None:
    two, ten = await waiting(world, 2), await waiting(world, 10)
    await sign_in(desk, "city-coordinator")
    page = await desk.get("/housing/waiting")
    assert page.status_code == 200, page.text
    assert order(page) == [ten, two], "the rule book's order: more nights outside first"
    assert f'action="/housing/placements/{two}/override" class="override"' in page.text
    assert "Déplacer dans la liste" in page.text

    path = f"/housing/placements/{two}/override"
    form = {"csrf": csrf_of(page), "position": "1"}
    empty = await desk.post(path, data=form)
    assert empty.status_code == 422
    assert 'aria-invalid="true" aria-describedby="reason-' in empty.text
    assert "Ce champ est obligatoire." in row(empty, two)
    assert order(empty) == [ten, two], "nothing moved"

    moved = await desk.post(path, data={**form, "reason": MOVE})
    assert moved.status_code == 303, moved.text
    assert moved.headers["location"] == f"/housing/waiting#placement-{two}"
    after = await desk.get("/housing/waiting")
    assert order(after) == [two, ten]
    shown = row(after, two)
    assert shown.startswith(' class="overridden"')
    assert "déplacé par city-coordinator" in shown
    assert "rang selon le score : 2" in shown
    assert f"Motif : <q>{MOVE}</q>" in shown
    assert "déplacé par" not in row(after, ten)


async def test_a_caseworker_is_offered_no_move_and_a_forged_one_is_refused(
    world: World, desk: httpx.AsyncClient
) -> None:
    two, ten = await waiting(world, 2), await waiting(world, 10)
    await sign_in(desk)
    page = await desk.get("/housing/waiting")
    assert page.status_code == 200, page.text
    assert order(page) == [ten, two]
    assert 'class="override"' not in page.text
    assert "Déplacer dans la liste" not in page.text

    forged = {"csrf": csrf_of(page), "position": "1", "reason": MOVE}
    refused = await desk.post(f"/housing/placements/{two}/override", data=forged)
    assert refused.status_code == 403, refused.text
    assert "Seul un coordinateur du centre peut modifier" in refused.text
    assert 'role="alert"' in refused.text
    assert order(refused) == [ten, two], "the list as it was"
    assert order(await desk.get("/housing/waiting")) == [ten, two]


def outcome_forms(page: httpx.Response) -> list[str]:
    """The proposals offered an answer on the applications page."""
    return re.findall(r'action="/housing/proposals/([0-9a-f-]{36})/outcome"', page.text)


async def proposed(desk: httpx.AsyncClient, filed: dict[str, Any]) -> str:
    """A dwelling recorded as proposed to the application from the page; the proposal."""
    page = await desk.get("/housing/applications")
    assert f'action="/housing/applications/{filed["id"]}/proposals"' in page.text
    form = {"csrf": csrf_of(page), "dwelling": DWELLING, "commission_on": "2026-01-15"}
    recorded = await desk.post(f"/housing/applications/{filed['id']}/proposals", data=form)
    assert recorded.status_code == 303, recorded.text
    assert recorded.headers["location"] == f"/housing/applications#application-{filed['id']}"
    (proposal,) = outcome_forms(await desk.get("/housing/applications"))
    return proposal


async def test_a_proposal_is_recorded_then_refused_with_its_reason(
    world: World, desk: httpx.AsyncClient
) -> None:
    filed = await an_application(world)
    await sign_in(desk)
    proposal = await proposed(desk, filed)
    page = await desk.get("/housing/applications")
    assert DWELLING in page.text
    assert "15 janvier 2026" in page.text
    assert "en attente de réponse" in page.text
    assert f'href="/cases/{filed["dalo_case_id"]}"' in page.text, "the DALO case"

    path = f"/housing/proposals/{proposal}/outcome"
    form = {"csrf": csrf_of(page), "outcome": "refused"}
    bare = await desk.post(path, data=form)
    assert bare.status_code == 422
    assert "Un refus doit être motivé." in bare.text
    assert outcome_forms(bare) == [proposal], "still awaiting an answer"

    refused = await desk.post(path, data={**form, "reason": REFUSAL})
    assert refused.status_code == 303, refused.text
    after = await desk.get("/housing/applications")
    assert f"refusée: <q>{REFUSAL}</q>" in after.text
    assert outcome_forms(after) == [], "answered"
    assert f'<tr id="proposal-{proposal}" class="proposal refused">' in after.text

    again = await desk.post(path, data={**form, "outcome": "accepted"})
    assert again.status_code == 409
    assert "Cette proposition a déjà reçu une réponse." in again.text


async def test_the_list_and_a_proposal_in_arabic(world: World, desk: httpx.AsyncClient) -> None:
    filed = await an_application(world)
    await waiting(world, 3)
    await sign_in(desk, "city-coordinator")
    french = await desk.get("/housing/waiting")
    chosen = await desk.post("/language", data={"csrf": csrf_of(french), "locale": "ar"})
    assert chosen.status_code == 303, chosen.text
    page = await desk.get("/housing/waiting")
    assert 'lang="ar"' in page.text
    assert "النقل في القائمة" in page.text
    assert "سبب النقل" in page.text

    await proposed(desk, filed)
    applications = await desk.get("/housing/applications")
    assert "في انتظار الرد" in applications.text
    assert "تسجيل الرد" in applications.text
    assert "المسكن المقترح (العنوان، المساحة)" in applications.text


async def test_the_move_and_the_answer_in_three_languages_in_a_real_browser(
    browser: WebDriver, world: World, offices: Console, request: pytest.FixtureRequest
) -> None:
    database = request.node.callspec.params["world"]
    filed = await an_application(world)
    body = {"dwelling": DWELLING, "commission_on": "2026-01-15"}
    sent = await world.http.post(
        f"/applications/{filed['id']}/proposals", json=body, headers=MANAGER
    )
    assert sent.status_code == 201, sent.text
    await waiting(world, 2)
    await waiting(world, 10)
    async with serve(create_app(offices)) as url:
        await asyncio.to_thread(read_the_pages, browser, url, database)


def read_the_pages(driver: WebDriver, url: str, database: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/signin")
    submit(driver, "//button[contains(., 'city-coordinator')]", "form[action='/signout']")
    pages = {
        "waiting": ("/housing/waiting", "form.override"),
        "proposals": ("/housing/applications", "form.outcome"),
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
