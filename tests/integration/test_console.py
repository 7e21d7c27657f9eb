"""The console over real services: signing in and out, sessions that expire, forms that need
their CSRF token, Today in French, English and Arabic, and a service that does not answer."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from services.console.app import create_app
from services.console.container import Console
from shared.auth import DEV_JWT_SECRET, mint_token
from tests.integration.api_served import serve
from tests.integration.conftest import CaseworkWorld, token
from tests.integration.console_world import (
    DESK,
    NOW,
    csrf_of,
    mine,
    sign_in,
    submit,
)
from tests.integration.test_casework_cases import open_case, person
from tests.integration.test_casework_sharing import consent
from tests.support.browser import DESKTOP, PHONE, Viewport, axe_violations, resized, screenshot

pytestmark = pytest.mark.integration


async def test_a_page_asks_for_sign_in_first(desk: httpx.AsyncClient) -> None:
    answer = await desk.get("/today")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin"


async def test_the_development_sign_in_lists_three_organisations(
    desk: httpx.AsyncClient,
) -> None:
    page = await desk.get("/signin", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    for user, organisation in [
        ("city-desk", "city-montreuil"),
        ("x-caseworker", "assoc-x"),
        ("y-caseworker", "assoc-y"),
    ]:
        assert f"Sign in as {user}" in page.text
        assert organisation in page.text


async def test_signing_in_without_the_forms_token_is_refused(desk: httpx.AsyncClient) -> None:
    answer = await desk.post("/signin/dev", data={"user_id": "city-desk", "csrf": "guess"})
    assert answer.status_code == 403
    assert "passerelle_session" not in answer.cookies


async def test_the_session_cookie_is_http_only_and_same_site(desk: httpx.AsyncClient) -> None:
    answer = await sign_in(desk)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/today"
    cookie = next(
        v
        for k, v in answer.headers.multi_items()
        if k == "set-cookie" and "passerelle_session" in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


async def test_today_shows_my_deadlines_in_french_then_arabic(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    person_id = await person(client, casework)
    appeal = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")  # due 2 Apr
    await mine(casework, appeal)
    await sign_in(desk)
    today = await desk.get("/today")
    assert today.status_code == 200
    assert 'lang="fr" dir="ltr"' in today.text
    assert "Échéances des 14 prochains jours" in today.text
    assert "2 avril 2026" in today.text  # babel's French long date
    assert "CESEDA art. L532-1" in today.text, "the legal reference beside the deadline"
    assert f'href="/cases/{appeal["id"]}"' in today.text
    assert "la lettre indique" not in today.text, "no notified date, nothing to compare"

    changed = await desk.post("/language", data={"locale": "ar", "csrf": csrf_of(today)})
    assert changed.status_code == 303
    arabic = await desk.get("/today")
    assert 'lang="ar" dir="rtl"' in arabic.text
    assert "المواعيد النهائية" in arabic.text


async def test_today_shows_the_letters_date_when_it_differs_and_the_offers_waiting(
    console: Console, desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    person_id = await person(client, casework)
    letter = {"asylum.cnda_appeal": "2026-03-31"}  # the computed date is 2 April
    appeal = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02", notified=letter)
    await mine(casework, appeal)
    elsewhere = await open_case(casework, person_id, "ame", on="2026-03-20")
    await partner(client, "assoc-x")
    await consent(client, person_id, "assoc-x")
    await casework.sync()
    offered = await casework.http.post(
        f"/cases/{elsewhere['id']}/shares",
        json={"organisation_id": "assoc-x", "kind": "transfer"},
        headers=DESK,
    )
    assert offered.status_code == 201, offered.text
    await sign_in(desk)
    page = (await desk.get("/today")).text
    assert "31 mars 2026" in page
    assert "la lettre indique le 31 mars 2026, calculé : 2 avril 2026" in page
    assert "transfert du dossier" not in page, "an offer the city made waits on the partner"

    async with desk_of(console, "x-caseworker") as x:
        assert "transfert du dossier" in (await x.get("/today")).text


async def partner(intake: httpx.AsyncClient, organisation: str) -> None:
    """Intake knows the organisation as a partner giving legal support."""
    made = await intake.post(
        "/partners",
        json={"id": organisation, "name": organisation, "services": ["legal_support"]},
        headers=token("city-montreuil", "coordinator"),
    )
    assert made.status_code in (201, 409), made.text


@contextlib.asynccontextmanager
async def desk_of(console: Console, user: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another user's browser on the same console, signed in."""
    transport = httpx.ASGITransport(app=create_app(console))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as other:
        signed = await sign_in(other, user)
        assert signed.status_code == 303, signed.text
        yield other


async def test_a_form_without_its_token_changes_nothing(desk: httpx.AsyncClient) -> None:
    await sign_in(desk)
    refused = await desk.post("/language", data={"locale": "ar"})
    assert refused.status_code == 403
    page = await desk.get("/today")
    assert 'lang="fr"' in page.text


async def test_a_signed_out_session_opens_nothing(desk: httpx.AsyncClient) -> None:
    await sign_in(desk)
    page = await desk.get("/today")
    old = desk.cookies.get("passerelle_session")
    assert old
    out = await desk.post("/signout", data={"csrf": csrf_of(page)})
    assert out.status_code == 303
    desk.cookies.set("passerelle_session", old, domain="localhost")
    again = await desk.get("/today")
    assert again.status_code == 303
    assert again.headers["location"] == "/signin"


async def test_a_session_ends_after_half_an_hour_without_a_request(
    desk: httpx.AsyncClient, console: Console
) -> None:
    await sign_in(desk)
    assert (await desk.get("/today")).status_code == 200
    console.clock.set(NOW + timedelta(minutes=29))
    assert (await desk.get("/today")).status_code == 200
    console.clock.set(NOW + timedelta(minutes=29 + 31))
    assert (await desk.get("/today")).status_code == 303


async def test_a_service_that_does_not_answer_leaves_the_rest_of_the_page(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    person_id = await person(client, casework)
    appeal = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")
    await mine(casework, appeal)
    scheduled = await casework.http.post(
        f"/cases/{appeal['id']}/appointments",
        json={"kind": "lawyer", "starts_at": "2026-03-27T14:00:00+01:00", "place": "Cabinet"},
        headers=DESK,
    )
    assert scheduled.status_code == 201, scheduled.text
    await sign_in(desk)
    page = await desk.get("/today")
    assert page.status_code == 200
    assert "Le service notifications ne répond pas" in page.text
    assert "Rendez-vous de la semaine" in page.text
    assert "Cabinet" in page.text


async def test_a_search_finds_a_person_of_my_organisation(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    registered = await client.post("/persons", json={"chosen_name": "Mariam"}, headers=DESK)
    assert registered.status_code == 201, registered.text
    await sign_in(desk)
    page = await desk.get("/persons", params={"q": "maryam"})
    assert page.status_code == 200
    assert f'href="/persons/{registered.json()["id"]}">Mariam</a>' in page.text

    # digits that are neither a phone number nor a year: intake refuses, the page says why
    digits = await desk.get("/persons", params={"q": "247202"})
    assert digits.status_code == 200
    assert "Écrivez un nom, un numéro de téléphone ou une année de naissance." in digits.text


async def test_a_refused_registration_says_why_beside_the_field(desk: httpx.AsyncClient) -> None:
    await sign_in(desk)
    form = await desk.get("/persons/new")
    refused = await desk.post(
        "/persons", data={"csrf": csrf_of(form), "chosen_name": "", "birth_year": "1850"}
    )
    assert refused.status_code == 422
    assert 'id="chosen_name" name="chosen_name"' in refused.text
    assert 'aria-describedby="chosen_name-error"' in refused.text
    assert '<span class="error" id="chosen_name-error">Ce champ est obligatoire.</span>' in (
        refused.text
    )
    assert "Cette valeur est hors des limites acceptées." in refused.text  # 1850


async def test_a_person_registered_with_a_chosen_name_only_gets_a_page(
    desk: httpx.AsyncClient,
) -> None:
    await sign_in(desk)
    form = await desk.get("/persons/new")
    made = await desk.post("/persons", data={"csrf": csrf_of(form), "chosen_name": "Yonas"})
    assert made.status_code == 303
    page = await desk.get(made.headers["location"])
    assert page.status_code == 200
    assert "<h1>Yonas</h1>" in page.text
    assert "Aucun consentement enregistré." in page.text


async def test_another_organisations_person_typed_in_is_not_found(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    theirs = {
        "Authorization": "Bearer "
        + mint_token(DEV_JWT_SECRET, user_id="x", org="assoc-x", roles=["intake"])
    }
    registered = await client.post("/persons", json={"chosen_name": "Oksana"}, headers=theirs)
    assert registered.status_code == 201, registered.text
    await sign_in(desk)
    page = await desk.get(f"/persons/{registered.json()['id']}")
    assert page.status_code == 404
    assert "Introuvable, ou non visible pour votre organisation." in page.text
    assert "Oksana" not in page.text

    # the error page speaks the language the user chose, and keeps their menu
    await desk.post("/language", data={"locale": "ar", "csrf": csrf_of(page)})
    arabic = await desk.get(f"/persons/{registered.json()['id']}")
    assert arabic.status_code == 404
    assert 'lang="ar" dir="rtl"' in arabic.text
    assert 'action="/signout"' in arabic.text


async def test_a_page_whose_service_is_down_says_so(
    desk: httpx.AsyncClient, console: Console
) -> None:
    await sign_in(desk)
    console.services.clients["intake"] = httpx.AsyncClient(base_url="http://127.0.0.1:9")
    page = await desk.get("/persons")
    assert page.status_code == 503
    assert "Le service intake ne répond pas." in page.text


async def test_consents_are_recorded_and_withdrawn_from_the_persons_page(
    desk: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    registered = await client.post("/persons", json={"chosen_name": "Samir"}, headers=DESK)
    person = f"/persons/{registered.json()['id']}"
    await sign_in(desk)
    page = await desk.get(person)
    given = await desk.post(
        f"{person}/consents", data={"csrf": csrf_of(page), "purpose": "sms_reminders"}
    )
    assert given.status_code == 303
    page = await desk.get(person)
    assert "Rappels par SMS" in page.text
    withdraw = re.search(r'action="(/persons/[^"]+/withdraw)"', page.text)
    assert withdraw is not None, page.text
    done = await desk.post(withdraw.group(1), data={"csrf": csrf_of(page)})
    assert done.status_code == 303
    assert "retiré" in (await desk.get(person)).text

    # the same button again, from a page that was open before: intake refuses with a 409
    again = await desk.post(withdraw.group(1), data={"csrf": csrf_of(page)})
    assert again.status_code == 409
    assert "Ce n\u2019est pas possible dans l\u2019état actuel." in again.text

    unnamed = await desk.post(
        f"{person}/consents", data={"csrf": csrf_of(page), "purpose": "share_with_partner"}
    )
    assert unnamed.status_code == 422
    assert "Cette valeur n\u2019est pas acceptée." in unnamed.text


async def test_a_caseworker_signs_in_and_reads_today_in_three_languages_in_a_real_browser(
    browser: WebDriver,
    console: Console,
    casework: CaseworkWorld,
    client: httpx.AsyncClient,
    request: pytest.FixtureRequest,
) -> None:
    person_id = await person(client, casework)
    await mine(casework, await open_case(casework, person_id, "cnda_appeal", on="2026-03-02"))
    database = request.node.callspec.params["console"]
    async with serve(create_app(console)) as url:
        # the browser blocks: it runs in a thread while this loop serves the console
        await asyncio.to_thread(walk_through_today, browser, url, database)


def walk_through_today(driver: WebDriver, url: str, database: str) -> None:
    """Sign in from the development page, read Today in English, French and Arabic (also on a
    phone), check each page with axe, then sign out."""
    driver.delete_all_cookies()
    driver.get(f"{url}/today")
    assert driver.current_url == f"{url}/signin", "a page asks for sign-in first"
    assert not axe_violations(driver)
    submit(driver, "//button[contains(., 'city-desk')]", "form[action='/signout']")
    assert driver.current_url == f"{url}/today"

    shown = {}
    for locale, heading in [("en", "Today"), ("fr", "Aujourd\u2019hui"), ("ar", "اليوم")]:
        Select(driver.find_element(By.ID, "locale")).select_by_value(locale)
        submit(driver, "//form[@action='/language']//button", f"html[lang='{locale}']")
        title = driver.find_element(By.TAG_NAME, "h1").text
        assert title.startswith(heading), title
        shown[locale] = driver.find_element(By.ID, "main").text
        html = driver.find_element(By.TAG_NAME, "html")
        assert html.get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
        assert mirrored(driver) == (locale == "ar"), "the header's sides swap in Arabic"
        violations = axe_violations(driver)
        assert not violations, violations
        screenshot(driver, f"console/{database}/today-{locale}", full_page=True)
    assert "April 2, 2026" in shown["en"]
    assert "2 avril 2026" in shown["fr"]
    assert "Appeal to the CNDA" in shown["ar"]  # the rule's label is casework's data
    with resized(driver, PHONE):
        screenshot(driver, f"console/{database}/today-ar-phone", full_page=True, viewport=PHONE)
        assert not wider_than_the_window(driver), "on a phone, nothing scrolls sideways"
    with resized(driver, ZOOMED):
        assert not wider_than_the_window(driver), "at 200 % zoom, nothing scrolls sideways"

    Select(driver.find_element(By.ID, "locale")).select_by_value("fr")
    submit(driver, "//form[@action='/language']//button", "html[lang='fr']")
    register_in_the_browser(driver, url, database)

    submit(driver, "//form[@action='/signout']//button", "form[action='/signin/dev']")
    assert driver.current_url == f"{url}/signin"
    driver.get(f"{url}/today")
    assert driver.current_url == f"{url}/signin", "a signed-out session opens nothing"


ZOOMED = Viewport(DESKTOP.width // 2, DESKTOP.height // 2)
"""A desktop window at 200 % zoom lays the page out in half as many CSS pixels."""


def wider_than_the_window(driver: WebDriver) -> bool:
    """Whether the page overflows the window sideways (a horizontal scrollbar)."""
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
    )
    return bool(overflow > 0)


def mirrored(driver: WebDriver) -> bool:
    """Whether the layout runs right to left: the brand stands right of the account menu."""
    brand = driver.find_element(By.CSS_SELECTOR, ".brand").rect
    account = driver.find_element(By.CSS_SELECTOR, ".account").rect
    return bool(brand["x"] > account["x"])


def register_in_the_browser(driver: WebDriver, url: str, database: str) -> None:
    """Register a person from the form: a refusal shows beside its field, then the page."""
    driver.get(f"{url}/persons/new")
    submit(driver, "//form[@action='/persons']//button", "#chosen_name-error")
    error = driver.find_element(By.ID, "chosen_name-error").text
    assert error == "Ce champ est obligatoire."
    assert driver.find_element(By.ID, "chosen_name").get_attribute("aria-invalid") == "true"
    assert not axe_violations(driver)
    screenshot(driver, f"console/{database}/person-new-refused-fr", full_page=True)
    driver.find_element(By.ID, "chosen_name").send_keys("Amina")
    submit(driver, "//form[@action='/persons']//button", "dl.details")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Amina"
    Select(driver.find_element(By.ID, "purpose")).select_by_value("sms_reminders")
    submit(driver, "//form[@class='consent']//button", "ul.consents")
    assert "Rappels par SMS" in driver.find_element(By.CSS_SELECTOR, "ul.consents").text
    assert "Rappels par SMS\noui" in driver.find_element(By.CSS_SELECTOR, "dl.details").text
    assert not axe_violations(driver)
    screenshot(driver, f"console/{database}/person-fr", full_page=True)
