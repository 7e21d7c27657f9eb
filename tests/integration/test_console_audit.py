"""The auditors' pages in the console over the real audit service, its store filled by its own
ingestion from what intake and casework recorded (audit on SQLite and on PostgreSQL): a
person's timeline across services with their consents on a chosen date and who read their
file, a case as it stood on two dates, each chain's state. Auditors only: a caseworker has no
menu entry and finds no page. In French, English and Arabic in a real browser, checked by axe."""

from __future__ import annotations

import asyncio
import contextlib
import re
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
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.migrations import upgrade
from tests.integration.api_served import serve
from tests.integration.conftest import token
from tests.integration.console_world import sign_in, submit
from tests.integration.test_audit_api import STAFF, T1, T2, T3, AuditWorld, world
from tests.integration.test_casework_cases import open_case, person
from tests.integration.test_casework_sharing import GISTI, answer, consent, offer
from tests.support.browser import axe_violations, screenshot

pytestmark = pytest.mark.integration
__all__ = ["world"]  # audit on SQLite and on PostgreSQL, beside intake and casework
AT_GISTI = token(GISTI, "caseworker", user="yann")
NOWHERE = "http://127.0.0.1:9"


@contextlib.asynccontextmanager
async def console_over(audit_http: httpx.AsyncClient, tmp_path: Path) -> AsyncIterator[Console]:
    """The console asking this audit API, the other services down."""
    settings = ConsoleSettings(
        development=True,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )
    clients = {
        name: httpx.AsyncClient(base_url=NOWHERE, timeout=2)
        for name in ("intake", "casework", "notifications", "housing")
    }
    service = bootstrap(settings, clients={**clients, "audit": audit_http})
    service.clock.set(T3)
    await upgrade(service.engine, service.migrations)
    yield service
    await service.engine.dispose()


@pytest.fixture
async def console(world: AuditWorld, tmp_path: Path) -> AsyncIterator[Console]:
    async with console_over(world.http, tmp_path) as service:
        yield service


@pytest.fixture
async def desk(console: Console) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(console))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        yield client


async def a_history(client: httpx.AsyncClient, world: AuditWorld) -> tuple[str, str]:
    """A person registered at T1 with a consent to GISTI, a case opened for them, transferred
    to GISTI at T2 and moved on at T3, all stored by audit; the person's and the case's ids."""
    casework = world.casework
    now = {"at": T1}
    casework.casework.clock = casework.intake.clock = lambda: now["at"]
    person_id = await person(client, casework, name="Amina Canarynom")
    await consent(client, person_id, GISTI)
    await casework.sync()
    case = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")
    now["at"] = T2
    transfer = await offer(casework, case, GISTI, "transfer")
    assert transfer.status_code == 201, transfer.text
    accepted = await answer(casework, transfer.json()["id"], "accept", AT_GISTI)
    assert accepted.status_code == 200, accepted.text
    now["at"] = T3
    current = await casework.http.get(f"/cases/{case['id']}", headers=AT_GISTI)
    moved = await casework.http.post(
        f"/cases/{case['id']}/transitions",
        json={"to": "appeal_lodged", "on": "2026-03-03", "version": current.json()["version"]},
        headers=AT_GISTI,
    )
    assert moved.status_code == 200, moved.text
    await world.ingest()
    return person_id, str(case["id"])


async def test_a_caseworker_has_no_audit_menu_and_finds_no_audit_page(
    desk: httpx.AsyncClient,
) -> None:
    await sign_in(desk)
    today = await desk.get("/today")
    assert today.status_code == 200, today.text
    assert 'href="/audit"' not in today.text
    some = "0b0e7f3e-6c1a-4d6e-9f55-2f0a2b9e8c11"
    for path in ("/audit", "/audit/chains", f"/audit/persons/{some}", f"/audit/cases/{some}"):
        page = await desk.get(path)
        assert page.status_code == 404, path
        assert "Introuvable, ou non visible pour votre organisation." in page.text


async def test_an_auditor_reads_a_persons_timeline_consents_and_who_read_their_file(
    client: httpx.AsyncClient, world: AuditWorld, desk: httpx.AsyncClient
) -> None:
    person_id, _case_id = await a_history(client, world)
    await world.get(f"/persons/{person_id}/timeline")  # audit asks intake for the person's key
    await world.ingest()
    await sign_in(desk, "city-auditor")
    entry = await desk.get("/audit")
    assert entry.status_code == 200, entry.text
    assert 'aria-current="page">Audit' in entry.text, "in the auditor's menu"
    found = await desk.get("/audit", params={"person": person_id})
    assert (found.status_code, found.headers["location"]) == (303, f"/audit/persons/{person_id}")
    bad = await desk.get("/audit", params={"case": "nope"})
    assert bad.status_code == 422
    assert "32 chiffres hexadécimaux" in bad.text

    page = await desk.get(f"/audit/persons/{person_id}")
    assert page.status_code == 200, page.text
    timeline = page.text[page.text.index('id="timeline"') : page.text.index('id="consents"')]
    assert "Dossier ouvert" in timeline, "casework's event in words"
    assert "Personne enregistrée" in timeline, "intake's event in words"
    assert "Amina Canarynom" in timeline, "the name, while the person's key exists"
    assert "desk · city-montreuil" in timeline
    assert "Partage avec un partenaire" in page.text, "the consent as it stands now"
    access = page.text[page.text.index('id="access"') :]
    assert "Remise de la clé de la personne" in access
    assert "service:audit" in access

    before = await desk.get(f"/audit/persons/{person_id}", params={"on": "2026-03-01"})
    assert "Aucun consentement à cette date." in before.text
    assert 'value="2026-03-01"' in before.text, "the date chosen stays in the calendar"

    erased = await client.post(f"/persons/{person_id}/erasure", headers=STAFF)
    assert erased.status_code == 200, erased.text
    await world.ingest()
    after = await desk.get(f"/audit/persons/{person_id}")
    assert "Les données de cette personne ont été effacées" in after.text
    assert '<span class="erased">[effacé]</span>' in after.text
    assert "Données de la personne effacées" in after.text
    assert "Canary" not in after.text


async def test_an_auditor_sees_a_case_as_it_stood_on_two_dates(
    client: httpx.AsyncClient, world: AuditWorld, desk: httpx.AsyncClient
) -> None:
    _person_id, case_id = await a_history(client, world)
    await sign_in(desk, "city-auditor")

    def owner(page: httpx.Response) -> str:
        found = re.search(r'<dd class="owner">([^<]*)</dd>', page.text)
        assert found, page.text
        return found[1]

    opened = await desk.get(f"/audit/cases/{case_id}", params={"on": "2026-03-02", "at": "11:00"})
    assert opened.status_code == 200, opened.text
    assert owner(opened) == "city-montreuil", "before the transfer (12:00 in Paris)"
    assert '<tr class="deadline open">' in opened.text
    lodged = await desk.get(f"/audit/cases/{case_id}", params={"on": "2026-03-03"})
    assert owner(lodged) == GISTI
    assert '<tr class="deadline met">' in lodged.text
    assert '<tr class="deadline open">' not in lodged.text
    assert "appeal_lodged" in lodged.text
    assert "Dossier transféré" in lodged.text, "the case's events, in words"

    early = await desk.get(f"/audit/cases/{case_id}", params={"on": "2026-03-01"})
    assert early.status_code == 200
    assert "pas encore ouvert à cette date." in early.text
    unknown = await desk.get("/audit/cases/0b0e7f3e-6c1a-4d6e-9f55-2f0a2b9e8c11")
    assert unknown.status_code == 404


async def test_an_auditor_sees_each_chain_and_its_checkpoint(
    client: httpx.AsyncClient, world: AuditWorld, desk: httpx.AsyncClient
) -> None:
    await a_history(client, world)
    await sign_in(desk, "city-auditor")
    page = await desk.get("/audit/chains")
    assert page.status_code == 200, page.text
    for source in ("intake", "casework"):
        row = re.search(rf'<tr class="chain (\w+)">\s*<th scope="row">{source}</th>', page.text)
        assert row, page.text
        assert row[1] == "ok", source
    assert "ici se vérifient." in page.text


async def test_the_audit_part_says_when_audit_does_not_answer(tmp_path: Path) -> None:
    down = httpx.AsyncClient(base_url=NOWHERE, timeout=2)
    async with console_over(down, tmp_path) as service:
        transport = httpx.ASGITransport(app=create_app(service))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as desk:
            await sign_in(desk, "city-auditor")
            page = await desk.get("/audit/chains")
    assert page.status_code == 503
    assert "Le service audit ne répond pas." in page.text


async def test_the_audit_pages_in_three_languages_in_a_real_browser(
    browser: WebDriver,
    client: httpx.AsyncClient,
    world: AuditWorld,
    console: Console,
    request: pytest.FixtureRequest,
) -> None:
    database = request.node.callspec.params["world"]
    person_id, case_id = await a_history(client, world)
    async with serve(create_app(console)) as url:
        await asyncio.to_thread(read_the_pages, browser, url, database, person_id, case_id)


def read_the_pages(driver: WebDriver, url: str, database: str, person: str, case: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/signin")
    submit(driver, "//button[contains(., 'city-auditor')]", "form[action='/signout']")
    pages = {
        "entry": ("/audit", "form#find-case"),
        "person": (f"/audit/persons/{person}", "table.timeline tr.event"),
        "case": (f"/audit/cases/{case}?on=2026-03-02&at=11:00", "dd.owner"),
        "chains": ("/audit/chains", "tr.chain.ok"),
    }
    for locale in ("fr", "en", "ar"):
        Select(driver.find_element(By.ID, "locale")).select_by_value(locale)
        submit(driver, "//form[@action='/language']//button", f"html[lang='{locale}']")
        for name, (path, shown) in pages.items():
            driver.get(f"{url}{path}")
            assert driver.find_elements(By.CSS_SELECTOR, shown), (name, locale)
            violations = axe_violations(driver)
            assert not violations, (name, locale, violations)
            screenshot(driver, f"console/{database}/audit-{name}-{locale}", full_page=True)
    Select(driver.find_element(By.ID, "locale")).select_by_value("fr")
    submit(driver, "//form[@action='/language']//button", "html[lang='fr']")
