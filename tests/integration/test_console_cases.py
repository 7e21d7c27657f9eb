"""The console's case pages over the real intake and casework: a case's deadlines, its moves
(a stale one refused as a sentence), appointments, tasks, notes, documents and sharing; the
inbox where a partner accepts a referral and starts its procedure; another organisation's case
is not found; and a case's page in three languages in a real browser."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from services.console.app import create_app
from services.console.container import Console
from tests.integration.api_served import serve
from tests.integration.conftest import CaseworkWorld, NotificationsWorld, token
from tests.integration.console_world import csrf_of, sign_in, submit
from tests.integration.test_casework_cases import CASEWORKER, open_case, person
from tests.support.browser import axe_violations, screenshot

pytestmark = pytest.mark.integration

PARTNER = "assoc-x"
CITY_DESK = token("city-montreuil", "intake", "caseworker", user="city-desk")


def forms(page: httpx.Response, kind: str) -> list[dict[str, str]]:
    """Each form of this class on the page: its action and hidden fields."""
    found = []
    for action, body in re.findall(
        rf'<form method="post" action="([^"]+)" class="{kind}[^"]*">(.*?)</form>', page.text, re.S
    ):
        hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', body))
        found.append({"action": action, **hidden})
    return found


async def a_case(client: httpx.AsyncClient, casework: CaseworkWorld) -> str:
    """A CNDA appeal of the city's, notified on 2 March 2026: due 2 April (today is 25 March)."""
    case = await open_case(casework, await person(client, casework), "cnda_appeal", on="2026-03-02")
    return str(case["id"])


async def consenting(client: httpx.AsyncClient, casework: CaseworkWorld) -> str:
    """A person of the city who consents to share with the partner association."""
    partner = {"id": PARTNER, "name": "Association X", "services": ["legal_support"]}
    coordinator = token("city-montreuil", "coordinator")
    assert (await client.post("/partners", json=partner, headers=coordinator)).status_code == 201
    person_id = await person(client, casework)
    consent = {"purpose": "share_with_partner", "partner_id": PARTNER}
    given = await client.post(f"/persons/{person_id}/consents", json=consent, headers=CITY_DESK)
    assert given.status_code == 201, given.text
    await casework.sync()
    return person_id


async def test_a_cases_page_shows_its_deadline_with_the_legal_reference_and_days_left(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    case_id = await a_case(client, casework)
    await sign_in(desk)
    listed = await desk.get("/cases")
    assert f'href="/cases/{case_id}"' in listed.text
    assert "OFPRA refusal notified: 1 month to appeal" in listed.text  # the status, named
    page = await desk.get(f"/cases/{case_id}")
    assert page.status_code == 200
    row = re.search(r'<tr>\s*<th scope="row">Appeal to the CNDA.*?</tr>', page.text, re.S)
    assert row is not None, page.text
    assert "CESEDA art. L532-1" in row.group(0)
    assert "2 avril 2026" in row.group(0)
    assert '<td class="countdown">8 jours restants</td>' in row.group(0)
    assert "Dossier ouvert" in page.text  # the timeline, in French


async def test_a_move_button_moves_the_case_and_a_stale_one_says_so(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    case_id = await a_case(client, casework)
    await sign_in(desk)
    page = await desk.get(f"/cases/{case_id}")
    move = next(f for f in forms(page, "move") if f["to"] == "legal_aid_requested")
    body = {**move, "on": "2026-03-10"}
    moved = await desk.post(move["action"], data=body)
    assert moved.status_code == 303
    after = await desk.get(f"/cases/{case_id}")
    assert "Legal aid requested" in re.search(r'<dd class="status">(.*?)</dd>', after.text).group(1)
    assert "suspendu" in after.text  # the appeal month stops while legal aid is asked

    again = await desk.post(move["action"], data=body)  # the same button, from the old page
    assert again.status_code == 409
    assert "La procédure ne permet pas ce passage depuis l\u2019étape actuelle." in again.text

    decided = {"to": "legal_aid_decided", "on": "2026-03-20", "version": 2}
    elsewhere = await casework.http.post(
        f"/cases/{case_id}/transitions", json=decided, headers=CASEWORKER
    )
    assert elsewhere.status_code == 200, elsewhere.text
    appeal = next(f for f in forms(page, "move") if f["to"] == "appeal_lodged")
    stale = await desk.post(appeal["action"], data={**appeal, "on": "2026-03-24"})
    assert stale.status_code == 409
    assert "Quelqu\u2019un a modifié ce dossier depuis que vous l\u2019avez ouvert" in stale.text
    assert "Legal aid decided" in stale.text, "the page shows the case as it stands now"


async def test_following_a_case_puts_it_on_my_today_page(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    case_id = await a_case(client, casework)
    await sign_in(desk)
    assert "Aucun dossier ne vous est attribué." in (await desk.get("/today")).text
    page = await desk.get(f"/cases/{case_id}")
    [take] = forms(page, "assign")
    assert take["take"] == "me"
    taken = await desk.post(take["action"], data=take)
    assert taken.status_code == 303, taken.text
    today = (await desk.get("/today")).text
    assert f'href="/cases/{case_id}"' in today
    assert "Mes dossiers <small>(1)</small>" in today
    mine = today[today.index('id="my-cases"') :]
    assert "Appeal to the CNDA (recours" in mine, "the procedure's name, not its code"
    assert "OFPRA refusal notified" in mine, "the step's name, not its code"

    stale = await desk.post(take["action"], data=take)  # the old page's button: version 1
    assert stale.status_code == 409
    [leave] = forms(await desk.get(f"/cases/{case_id}"), "assign")
    assert leave["take"] == "nobody"
    assert (await desk.post(leave["action"], data=leave)).status_code == 303
    assert "Aucun dossier ne vous est attribué." in (await desk.get("/today")).text


async def test_another_organisations_case_typed_in_is_not_found(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    case_id = await a_case(client, casework)
    await sign_in(desk, "x-caseworker")
    page = await desk.get(f"/cases/{case_id}")
    assert page.status_code == 404
    assert "Introuvable, ou non visible pour votre organisation." in page.text
    assert "CESEDA" not in page.text


async def test_a_partner_accepts_a_referral_and_starts_the_cnda_appeal_from_the_letter(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    person_id = await consenting(client, casework)
    for _ in range(2):
        referral = {"partner_id": PARTNER, "service": "legal_support"}
        sent = await client.post(
            f"/persons/{person_id}/referrals", json=referral, headers=CITY_DESK
        )
        assert sent.status_code == 201, sent.text
    await casework.sync()
    await sign_in(desk, "x-caseworker")
    inbox = await desk.get("/referrals")
    first, _other = forms(inbox, "decline")
    refused = await desk.post(first["action"], data={"csrf": first["csrf"], "reason": ""})
    assert refused.status_code == 422
    assert 'class="error" id="reason-' in refused.text
    assert "C\u2019est trop court." in refused.text

    accept = forms(inbox, "accept")[1]
    accepted = await desk.post(accept["action"], data={"csrf": accept["csrf"]})
    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith("/cases/")
    page = await desk.get(accepted.headers["location"])
    [procedure] = forms(page, "procedure")
    chosen = await desk.post(
        procedure["action"],
        data={
            **procedure,
            "case_type": "cnda_appeal",
            "on": "2026-03-02",
            "notified_due": "2026-03-30",
        },
    )
    assert chosen.status_code == 303, chosen.text
    page = await desk.get(accepted.headers["location"])
    row = re.search(r'<th scope="row">Appeal to the CNDA.*?</tr>', page.text, re.S)
    assert row is not None, page.text
    assert '<td class="countdown">5 jours restants</td>' in row.group(0)  # the letter's 30 March
    assert "diffère de la date calculée" in row.group(0)


async def test_an_appointment_scheduled_from_the_form_is_listed(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    case_id = await a_case(client, casework)
    await sign_in(desk)
    page = await desk.get(f"/cases/{case_id}")
    [schedule] = forms(page, "schedule")
    fields = {"csrf": schedule["csrf"], "kind": "lawyer", "place": "Cabinet Martin"}
    wrong = await desk.post(schedule["action"], data={**fields, "starts_at": "demain"})
    assert wrong.status_code == 422
    assert '<span class="error" id="starts_at-error">Indiquez une date et une heure.' in wrong.text

    local = {"starts_at": "2026-03-27T14:30", "timezone": "Europe/Paris"}
    made = await desk.post(schedule["action"], data={**fields, **local})
    assert made.status_code == 303
    page = await desk.get(f"/cases/{case_id}")
    listed = re.search(r'<ul class="appointments">.*?</ul>', page.text, re.S)
    assert listed is not None, page.text
    assert "27 mars 2026, 14:30:00" in listed.group(0)  # the local time, in Paris
    assert "Cabinet Martin" in listed.group(0)
    assert "États des SMS indisponibles" in page.text  # notifications does not answer here
    [cancel] = forms(page, "cancel")
    assert (await desk.post(cancel["action"], data=cancel)).status_code == 303
    assert "annulé" in (await desk.get(f"/cases/{case_id}")).text


async def test_an_appointments_reminders_show_their_states_from_notifications(
    desk: httpx.AsyncClient,
    console: Console,
    notifications: NotificationsWorld,
    client: httpx.AsyncClient,
) -> None:
    body = {"chosen_name": "Awa", "phone": "06 12 34 56 78", "sms_consent": True}
    registered = await client.post("/persons", json=body, headers=CITY_DESK)
    assert registered.status_code == 201, registered.text
    await notifications.sync()
    case = await open_case(notifications.casework, registered.json()["id"], "cnda_appeal")
    console.services.clients["notifications"] = notifications.http
    await sign_in(desk)
    page = await desk.get(f"/cases/{case['id']}")
    [schedule] = forms(page, "schedule")
    local = {"starts_at": "2026-03-27T14:30", "timezone": "Europe/Paris", "place": "Cabinet"}
    made = await desk.post(schedule["action"], data={**schedule, "kind": "lawyer", **local})
    assert made.status_code == 303
    await notifications.sync()
    page = await desk.get(f"/cases/{case['id']}")
    sms = re.search(r'<p class="sms">(.*?)</p>', page.text, re.S)
    assert sms is not None, page.text
    assert "rappel deux jours avant — prévu" in sms.group(1)
    assert "rappel deux heures avant — prévu" in sms.group(1)
    assert "États des SMS indisponibles" not in page.text


async def test_a_task_a_note_and_a_document_are_recorded(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    case_id = await a_case(client, casework)
    await sign_in(desk)
    page = await desk.get(f"/cases/{case_id}")
    csrf = csrf_of(page)
    task = {"csrf": csrf, "title": "Demander l'aide juridictionnelle", "due_on": "2026-03-30"}
    assert (await desk.post(f"/cases/{case_id}/tasks", data=task)).status_code == 303
    note = {"csrf": csrf, "text": "Craint pour sa famille restée au pays"}
    assert (await desk.post(f"/cases/{case_id}/notes", data=note)).status_code == 303
    document = {"csrf": csrf, "status": "received"}
    recorded = await desk.post(f"/cases/{case_id}/documents/ofpra_decision", data=document)
    assert recorded.status_code == 303

    page = await desk.get(f"/cases/{case_id}")
    assert "Demander l&#39;aide juridictionnelle · à faire pour le 30 mars 2026" in page.text
    assert "Craint pour sa famille restée au pays" in page.text
    documents = re.search(r'<ul class="documents">.*?</ul>', page.text, re.S)
    assert documents is not None
    assert re.search(r"OFPRA decision with proof.*?reçu", documents.group(0), re.S)
    [complete] = forms(page, "complete")
    assert (await desk.post(complete["action"], data=complete)).status_code == 303
    assert "· fait" in (await desk.get(f"/cases/{case_id}")).text


async def test_a_case_offered_to_a_partner_is_listed_on_both_sides(
    desk: httpx.AsyncClient, casework: CaseworkWorld, client: httpx.AsyncClient
) -> None:
    case = await open_case(casework, await consenting(client, casework), "cnda_appeal")
    await sign_in(desk)
    page = await desk.get(f"/cases/{case['id']}")
    assert '<option value="assoc-x">Association X</option>' in page.text
    [share] = forms(page, "share")
    offered = await desk.post(
        share["action"], data={**share, "organisation_id": PARTNER, "kind": "transfer"}
    )
    assert offered.status_code == 303
    page = await desk.get(f"/cases/{case['id']}")
    shares = re.search(r'<ul class="shares">.*?</ul>', page.text, re.S)
    assert shares is not None, page.text
    assert "assoc-x · transfert du dossier · proposé" in shares.group(0)
    assert forms(page, "revoke")

    await desk.post("/signout", data={"csrf": csrf_of(page)})
    await sign_in(desk, "x-caseworker")
    inbox = await desk.get("/referrals")
    assert "transfert du dossier · city-desk" in inbox.text
    assert forms(inbox, "accept-offer")


async def test_a_cases_page_in_three_languages_in_a_real_browser(
    browser: WebDriver,
    console: Console,
    casework: CaseworkWorld,
    client: httpx.AsyncClient,
    request: pytest.FixtureRequest,
) -> None:
    case_id = await a_case(client, casework)
    database = request.node.callspec.params["console"]
    async with serve(create_app(console)) as url:
        await asyncio.to_thread(read_the_case, browser, url, case_id, database)


def read_the_case(driver: WebDriver, url: str, case_id: str, database: str) -> None:
    """Sign in, open the case in English, French and Arabic, then the cases and the referrals
    in Arabic, each page checked by axe and saved as a screenshot."""
    driver.delete_all_cookies()
    driver.get(f"{url}/signin")
    submit(driver, "//button[contains(., 'city-desk')]", "form[action='/signout']")
    for locale, countdown in [("en", "8 days left"), ("fr", "8 jours restants"), ("ar", "8")]:
        Select(driver.find_element(By.ID, "locale")).select_by_value(locale)
        submit(driver, "//form[@action='/language']//button", f"html[lang='{locale}']")
        driver.get(f"{url}/cases/{case_id}")
        cell = driver.find_element(By.CSS_SELECTOR, "td.countdown").text
        assert countdown in cell, cell
        assert driver.find_elements(By.CSS_SELECTOR, "form.move button")
        html = driver.find_element(By.TAG_NAME, "html")
        assert html.get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
        violations = axe_violations(driver)
        assert not violations, violations
        screenshot(driver, f"console/{database}/case-{locale}", full_page=True)
    for page in ("cases", "referrals"):  # in Arabic still
        driver.get(f"{url}/{page}")
        assert driver.find_element(By.CSS_SELECTOR, "nav a[aria-current='page']")
        violations = axe_violations(driver)
        assert not violations, violations
        screenshot(driver, f"console/{database}/{page}-ar", full_page=True)
