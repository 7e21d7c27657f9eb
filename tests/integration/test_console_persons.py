"""The person's page over the real intake and casework: details changed, referrals to partners
(and intake's refusals as sentences), duplicates merged and split, the person's cases, and the
export and erasure only a coordinator is offered; in French, English and Arabic in a browser."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from services.console.app import create_app
from services.console.container import Console
from tests.integration.api_served import serve
from tests.integration.conftest import CaseworkWorld, token
from tests.integration.console_world import DESK, csrf_of, sign_in, submit
from tests.integration.test_casework_cases import open_case, person
from tests.support.browser import axe_violations, screenshot

pytestmark = pytest.mark.integration

COORDINATOR = token("city-montreuil", "coordinator", user="city-coordinator")
LEGAL = {"id": "assoc-x", "name": "Association X", "services": ["legal_support"]}


async def registered(client: httpx.AsyncClient, name: str, **details: object) -> str:
    answer = await client.post("/persons", json={"chosen_name": name, **details}, headers=DESK)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def partner(client: httpx.AsyncClient) -> None:
    answer = await client.post("/partners", json=LEGAL, headers=COORDINATOR)
    assert answer.status_code == 201, answer.text


async def test_the_details_change_from_the_persons_page(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    page_of = f"/persons/{await registered(client, 'Yonas')}"
    await sign_in(desk)
    page = await desk.get(page_of)
    assert 'class="details-edit"' in page.text
    changed = await desk.post(
        page_of,
        data={"csrf": csrf_of(page), "chosen_name": "Yonas", "phone": "06 12 34 56 78"},
    )
    assert changed.status_code == 303, changed.text
    page = await desk.get(page_of)
    assert '<dd><bdi dir="ltr">+33612345678</bdi></dd>' in page.text

    refused = await desk.post(
        page_of, data={"csrf": csrf_of(page), "chosen_name": "Yonas", "birth_year": "1850"}
    )
    assert refused.status_code == 422
    assert 'aria-describedby="birth_year-error"' in refused.text
    assert '<span class="error" id="birth_year-error">Cette valeur est hors des limites' in (
        refused.text
    )
    assert 'value="1850"' in refused.text  # what was typed stays in the field


async def test_a_referral_is_listed_and_a_refused_one_says_why(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await partner(client)
    person_id = await registered(client, "Samir")
    page_of = f"/persons/{person_id}"
    await sign_in(desk)
    page = await desk.get(page_of)
    assert '<option value="assoc-x" >Association X</option>' in page.text
    refer = {"csrf": csrf_of(page), "partner_id": "assoc-x", "service": "legal_support"}

    no_consent = await desk.post(f"{page_of}/referrals", data=refer)
    assert no_consent.status_code == 409
    assert 'id="refer_partner-error">La personne n\u2019a pas consenti au partage' in (
        no_consent.text
    )

    consent = {"purpose": "share_with_partner", "partner_id": "assoc-x"}
    given = await client.post(f"{page_of}/consents", json=consent, headers=DESK)
    assert given.status_code == 201, given.text
    not_offered = await desk.post(
        f"{page_of}/referrals", data={**refer, "service": "french_course"}
    )
    assert not_offered.status_code == 409
    assert 'id="refer_service-error">Ce partenaire ne propose pas ce service.' in (not_offered.text)

    sent = await desk.post(f"{page_of}/referrals", data=refer)
    assert sent.status_code == 303, sent.text
    table = (await desk.get(page_of)).text.split('<table class="referrals">')[1]
    cells = re.findall(r"<td>([^<]*)</td>", table.split("</table>")[0])
    assert cells[:3] == ["Association X", "Accompagnement juridique", "demandée"]
    assert cells[3] != "—", "requested when"
    assert cells[4] == "—", "not answered yet"

    await sign_in(desk, "x-caseworker")  # the partner reads the file, and changes nothing
    theirs = await desk.get(page_of)
    assert theirs.status_code == 200
    assert "<h1>Samir</h1>" in theirs.text
    assert 'class="details-edit"' not in theirs.text
    assert 'class="refer"' not in theirs.text


async def test_duplicates_are_suggested_merged_and_split(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    first = await registered(client, "Mohammed Ali", phone="0612345678", birth_year=1990)
    second = await registered(client, "Mohamed Ali", phone="06 12 34 56 78", birth_year=1990)
    page_of = f"/persons/{first}"
    await sign_in(desk)
    page = await desk.get(page_of)
    assert f'<a href="/persons/{second}">Mohamed Ali</a>' in page.text
    assert "même téléphone" in page.text
    merge = {"csrf": csrf_of(page), "duplicate_id": second, "reason": "same phone, same person"}

    unconfirmed = await desk.post(f"{page_of}/merges", data=merge)
    assert unconfirmed.status_code == 422
    assert 'id="merge_confirm-error">Cochez la case pour confirmer.' in unconfirmed.text

    merged = await desk.post(f"{page_of}/merges", data={**merge, "confirm": "yes"})
    assert merged.status_code == 303, merged.text
    page = await desk.get(page_of)
    assert "Fusionné dans cette fiche" in page.text
    split = re.search(r'action="(/persons/[^"]+/split)"', page.text)
    assert split is not None, page.text
    short = await desk.post(split.group(1), data={"csrf": csrf_of(page), "reason": "no"})
    assert short.status_code == 422
    assert 'id="split-' in short.text
    assert "C\u2019est trop court." in short.text
    undone = await desk.post(
        split.group(1), data={"csrf": csrf_of(page), "reason": "two persons after all"}
    )
    assert undone.status_code == 303, undone.text
    assert "annulée le" in (await desk.get(page_of)).text


async def test_a_coordinator_exports_and_erases_a_person(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    person_id = await registered(client, "Oksana", birth_year=1988)
    page_of = f"/persons/{person_id}"
    await sign_in(desk, "city-coordinator")
    page = await desk.get(page_of)
    assert f'href="{page_of}/export"' in page.text
    assert 'class="erase"' in page.text

    export = await desk.get(f"{page_of}/export")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/json")
    assert export.headers["content-disposition"].startswith("attachment;")
    assert json.loads(export.text)["person"]["chosen_name"] == "Oksana"

    placed = await desk.post(
        f"{page_of}/legal-holds", data={"csrf": csrf_of(page), "reason": "appeal pending"}
    )
    assert placed.status_code == 303, placed.text
    page = await desk.get(page_of)
    assert "appeal pending" in page.text
    erase = {"csrf": csrf_of(page), "confirm": "yes"}
    held = await desk.post(f"{page_of}/erasure", data=erase)
    assert held.status_code == 409
    assert 'id="erase-error">Une obligation légale de conservation bloque' in held.text
    lift = re.search(r'action="(/persons/[^"]+/lift)"', page.text)
    assert lift is not None, page.text
    lifted = await desk.post(lift.group(1), data={"csrf": csrf_of(page)})
    assert lifted.status_code == 303, lifted.text

    unconfirmed = await desk.post(f"{page_of}/erasure", data={"csrf": csrf_of(page)})
    assert unconfirmed.status_code == 422
    erased = await desk.post(f"{page_of}/erasure", data=erase)
    assert erased.status_code == 303, erased.text
    page = await desk.get(page_of)
    assert "Les données de cette personne ont été effacées." in page.text
    assert "Oksana" not in page.text


async def test_a_household_is_formed_then_a_stale_page_is_refused(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    page_of = f"/persons/{await registered(client, 'Hawa')}"
    needs = {"needs": [{"area": "food_aid", "urgency": "urgent"}], "nights_without_shelter": 3}
    assessed = await client.post(f"{page_of}/needs-assessments", json=needs, headers=DESK)
    assert assessed.status_code == 201, assessed.text
    await sign_in(desk)
    page = await desk.get(page_of)
    add = f"{page_of}/household/members"
    child = {"csrf": csrf_of(page), "relationship": "child", "birth_year": "2019"}
    formed = await desk.post(add, data={**child, "dependant": "yes"})
    assert formed.status_code == 303, formed.text
    seen = await desk.get(page_of)
    household = seen.text.split('<table class="household">')[1].split("</table>")[0]
    assert "<td>enfant</td>" in household
    assert "<li>Aide alimentaire (urgent)</li>" in seen.text
    assert "3 nuits sans abri" in seen.text
    version = re.search(r'name="version" value="(\d+)"', seen.text)
    assert version is not None, seen.text
    kept = {"household_id": re.findall(r'name="household_id" value="([^"]+)"', seen.text)[0]}
    second = await desk.post(add, data={**child, **kept, "version": version.group(1)})
    assert second.status_code == 303, second.text
    stale = await desk.post(add, data={**child, **kept, "version": version.group(1)})
    assert stale.status_code == 409
    assert 'id="household-error">Le foyer a changé entre-temps' in stale.text


async def test_a_caseworker_is_offered_neither_export_nor_erasure_and_another_org_nothing(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    page_of = f"/persons/{await registered(client, 'Lena')}"
    await sign_in(desk)
    page = await desk.get(page_of)
    assert "/export" not in page.text
    assert 'class="erase"' not in page.text
    assert (await desk.get(f"{page_of}/export")).status_code == 403
    anyway = await desk.post(f"{page_of}/erasure", data={"csrf": csrf_of(page), "confirm": "yes"})
    assert anyway.status_code == 403
    assert "<h1>Lena</h1>" in (await desk.get(page_of)).text

    await sign_in(desk, "x-caseworker")  # another organisation: the person is not found
    today = await desk.get("/today")
    assert (await desk.get(page_of)).status_code == 404
    refer = {"csrf": csrf_of(today), "partner_id": "assoc-x", "service": "legal_support"}
    refused = await desk.post(f"{page_of}/referrals", data=refer)
    assert refused.status_code == 404
    assert "Lena" not in refused.text


async def test_the_persons_cases_are_listed_and_a_silent_casework_is_a_notice(
    desk: httpx.AsyncClient, client: httpx.AsyncClient, casework: CaseworkWorld, console: Console
) -> None:
    person_id = await person(client, casework, "Farid")
    case = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")
    await sign_in(desk)
    page = await desk.get(f"/persons/{person_id}")
    assert f'<a href="/cases/{case["id"]}">cnda_appeal</a>' in page.text

    console.services.clients["casework"] = httpx.AsyncClient(base_url="http://127.0.0.1:9")
    page = await desk.get(f"/persons/{person_id}")
    assert page.status_code == 200
    assert "Le service casework ne répond pas." in page.text
    assert "<h1>Farid</h1>" in page.text


async def test_a_search_tells_namesakes_apart_by_their_year_of_birth(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    older = await registered(client, "Mariam", birth_year=1971, preferred_language="prs-AF")
    younger = await registered(client, "Mariam", birth_year=1999)
    await sign_in(desk)
    page = await desk.get("/persons", params={"q": "mariam"})
    rows = {
        found: cells
        for found, cells in re.findall(
            r'href="/persons/([^"]+)">Mariam</a>(.*?)</tr>', page.text, re.S
        )
    }
    assert "<td>1971</td>" in rows[older]
    assert "<td>prs-AF</td>" in rows[older]
    assert "<td>1999</td>" in rows[younger]


async def test_a_persons_page_reads_in_three_languages_in_a_real_browser(
    browser: WebDriver,
    console: Console,
    client: httpx.AsyncClient,
    request: pytest.FixtureRequest,
) -> None:
    await partner(client)
    person_id = await registered(client, "Amina", phone="0612345678", birth_year=1992)
    await registered(client, "Aminah", phone="0612345678", birth_year=1992)
    database = request.node.callspec.params["console"]
    async with serve(create_app(console)) as url:
        await asyncio.to_thread(read_in_three_languages, browser, url, person_id, database)


def read_in_three_languages(driver: WebDriver, url: str, person_id: str, database: str) -> None:
    """Sign in as the coordinator, open the person's page in French, English and Arabic, check
    each with axe and keep a screenshot."""
    driver.delete_all_cookies()
    driver.get(f"{url}/signin")
    submit(driver, "//button[contains(., 'city-coordinator')]", "form[action='/signout']")
    for locale in ("fr", "en", "ar"):
        Select(driver.find_element(By.ID, "locale")).select_by_value(locale)
        submit(driver, "//form[@action='/language']//button", f"html[lang='{locale}']")
        driver.get(f"{url}/persons/{person_id}")  # the language's form leads to Today
        assert driver.find_element(By.TAG_NAME, "h1").text == "Amina"
        assert driver.find_element(By.CSS_SELECTOR, "form.details-edit")
        assert "Aminah" in driver.find_element(By.CSS_SELECTOR, "ul.duplicates").text
        assert driver.find_element(By.CSS_SELECTOR, "form.erase")
        violations = axe_violations(driver)
        assert not violations, violations
        screenshot(driver, f"console/{database}/person-{locale}", full_page=True)
