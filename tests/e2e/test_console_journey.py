"""The whole journey in a real browser, against every service running as its own process over
Kafka, on SQLite files and on PostgreSQL: the city's desk registers a person with a chosen name
only, adds a phone and consents, and refers them to a legal association; the association
accepts, opens a CNDA appeal with the date the decision was notified, sees the deadline and
schedules an appointment whose two SMS reminders are planned; a third association finds
nothing of it anywhere; and when notifications stops, Today still renders and says which part
is missing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import sleep as pause
from zoneinfo import ZoneInfo

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.conftest import Databases
from tests.e2e.services import MASTER_KEY, ServiceProcess, sms_through, token
from tests.integration.console_world import gone, submit
from tests.integration.fake_sms_process import FakeSmsProcess
from tests.support.browser import axe_violations, screenshot

pytestmark = pytest.mark.integration

CITY, ASSOC_X, ASSOC_Y = "city-montreuil", "assoc-x", "assoc-y"
PARIS = ZoneInfo("Europe/Paris")
NOT_FOUND = "Introuvable, ou non visible pour votre organisation."
WAIT = 60.0  # seconds for an event to travel from one service to another over Kafka


@dataclass
class System:
    intake: ServiceProcess
    casework: ServiceProcess
    notifications: ServiceProcess
    console: ServiceProcess
    backend: str


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, databases: Databases) -> Iterator[System]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    fake = FakeSmsProcess(log_dir / f"fake-sms-{uuid.uuid4().hex[:6]}.log")
    fake.start()
    with (
        databases.fresh() as intake_db,
        databases.fresh() as case_db,
        databases.fresh() as sms_db,
        databases.fresh() as console_db,
    ):
        intake = ServiceProcess(
            "intake",
            intake_db,
            kafka_bootstrap,
            log_dir,
            extra_env={"INTAKE_MASTER_KEY": MASTER_KEY},
        )
        keys = {"CASEWORK_KEY_STORE__URL": intake.url}
        casework = ServiceProcess("casework", case_db, kafka_bootstrap, log_dir, extra_env=keys)
        notifications = ServiceProcess("notifications", sms_db, kafka_bootstrap, log_dir)
        notifications.extra_env = {
            **sms_through(fake),
            "NOTIFICATIONS_KEY_STORE__URL": intake.url,
            "NOTIFICATIONS_PUBLIC_URL": notifications.url,
        }
        console = ServiceProcess("console", console_db, kafka_bootstrap, log_dir)
        console.extra_env = {
            "CONSOLE_INTAKE_URL": intake.url,
            "CONSOLE_CASEWORK_URL": casework.url,
            "CONSOLE_NOTIFICATIONS_URL": notifications.url,
        }
        started: list[ServiceProcess] = []
        try:
            for service in (intake, casework, notifications, console):
                service.start()
                started.append(service)
            partners(intake.url)
            yield System(intake, casework, notifications, console, databases.backend)
        finally:
            unclean = [s.name for s in reversed(started) if s.stop() not in (0, None)]
            fake.stop()
            assert not unclean, f"did not stop cleanly: {unclean}"


def partners(intake: str) -> None:
    """The two associations, as the city's coordinator declares them at intake."""
    coordinator = token(CITY, "coordinator", user="city-coordinator")
    for organisation in (ASSOC_X, ASSOC_Y):
        body = {"id": organisation, "name": f"Association {organisation[-1].upper()}"}
        made = httpx.post(
            f"{intake}/partners",
            json={**body, "services": ["legal_support"]},
            headers=coordinator,
        )
        assert made.status_code in (201, 409), made.text


def test_a_person_goes_from_the_citys_desk_to_a_legal_association_in_the_browser(
    browser: WebDriver, system: System
) -> None:
    url, shots = system.console.url, f"console/journey-{system.backend}"
    name = f"Amal z{uuid.uuid4().hex[:6]}"  # a letter first: searched as a name, never a number
    browser.delete_all_cookies()

    # the city's desk: a chosen name only, then a phone, consents and a referral
    sign_in(browser, url, "city-desk")
    browser.get(f"{url}/persons/new")
    browser.find_element(By.ID, "chosen_name").send_keys(name)
    submit(browser, "//form[@action='/persons']//button", "dl.details")
    person_url = browser.current_url
    person_id = person_url.rsplit("/", 1)[-1]
    assert browser.find_element(By.TAG_NAME, "h1").text == name

    phone = browser.find_element(By.CSS_SELECTOR, "form.details-edit #phone")
    phone.clear()
    phone.send_keys(f"06 98 {person_id[:2].translate(DIGITS)} 12 34")
    submit(browser, "//form[contains(@class, 'details-edit')]//button", "dl.details")
    assert "+33698" in browser.find_element(By.CSS_SELECTOR, "dl.details").text

    consent(browser, "sms_reminders")
    consent(browser, "share_with_partner", partner=ASSOC_X)
    assert "oui" in browser.find_element(By.CSS_SELECTOR, "dl.details").text
    Select(browser.find_element(By.ID, "refer_partner")).select_by_value(ASSOC_X)
    Select(browser.find_element(By.ID, "refer_service")).select_by_value("legal_support")
    submit(browser, "//form[contains(@class, 'refer')]//button", "dl.details")
    assert "Accompagnement juridique" in browser.find_element(By.ID, "main").text
    assert not axe_violations(browser)
    screenshot(browser, f"{shots}/person-fr", full_page=True)
    sign_out(browser)

    # the association accepts, and opens a CNDA appeal from the date the decision was notified
    sign_in(browser, url, "x-caseworker")
    accept = "//form[contains(@class, 'accept')]//button"
    reload_until(browser, f"{url}/referrals", lambda: bool(find(browser, accept)))
    submit(browser, accept, "form.procedure")
    case_url = browser.current_url
    assert "/cases/" in case_url
    notified = datetime.now(PARIS).date() - timedelta(
        days=25
    )  # a month to appeal: 5 or 6 days left
    Select(browser.find_element(By.ID, "case_type")).select_by_value("cnda_appeal")
    set_date(browser, "on", notified.isoformat())
    submit(browser, "//form[contains(@class, 'procedure')]//button", "#deadlines")
    deadlines = browser.find_element(By.ID, "deadlines").text
    assert "CNDA" in deadlines, deadlines
    assert "CESEDA" in deadlines, "the legal reference beside the deadline"
    submit(browser, "//form[contains(@class, 'assign')]//button", "#deadlines")

    # an appointment four days ahead at two in the afternoon: both reminders are ahead too
    starts = datetime.combine(datetime.now(PARIS).date() + timedelta(days=4), time(14), PARIS)
    Select(browser.find_element(By.ID, "kind")).select_by_value("lawyer")
    set_date(browser, "starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    browser.find_element(By.ID, "place").send_keys("Maison des avocats, Bobigny")
    submit(browser, "//form[contains(@class, 'schedule')]//button", "#deadlines")
    reload_until(
        browser,
        case_url,
        lambda: main_text(browser).count("prévu") >= 2,
    )
    main = main_text(browser)
    assert "rappel deux jours avant" in main, main
    assert "rappel deux heures avant" in main, main
    assert not axe_violations(browser)
    screenshot(browser, f"{shots}/case-fr", full_page=True)
    sign_out(browser)

    # a third association finds nothing of it anywhere
    sign_in(browser, url, "y-caseworker")
    for page in ("/today", "/referrals", "/cases", f"/persons?q={name.split()[1]}"):
        browser.get(f"{url}{page}")
        assert name not in main_text(browser), page
        assert person_id not in browser.page_source, page
    for typed in (person_url, case_url):
        browser.get(typed)
        assert NOT_FOUND in main_text(browser), typed
    sign_out(browser)

    # the association's caseworker follows the case: Today has its deadline and appointment,
    # and when notifications stops, Today still renders and says which part is missing
    sign_in(browser, url, "x-caseworker")
    browser.get(f"{url}/today")
    today = main_text(browser)
    assert "CESEDA" in today, today
    assert "Maison des avocats" in today, today
    assert "rappel deux jours avant: prévu" in today, today
    screenshot(browser, f"{shots}/today-fr", full_page=True)
    assert system.notifications.stop() == 0
    browser.get(f"{url}/today")
    text = main_text(browser)
    assert "Le service notifications ne répond pas" in text, text
    assert "CESEDA" in text, "the rest of the page is there"
    screenshot(browser, f"{shots}/today-notifications-down-fr", full_page=True)
    sign_out(browser)


DIGITS = str.maketrans("abcdef", "123456")
"""A person id's hex digits as phone digits: each run's number is its own."""


def sign_in(driver: WebDriver, url: str, user: str) -> None:
    """Sign in from the development page as `user`, and read the pages in French."""
    driver.get(f"{url}/signin")
    submit(driver, f"//button[contains(., '{user}')]", "form[action='/signout']")
    Select(driver.find_element(By.ID, "locale")).select_by_value("fr")
    submit(driver, "//form[@action='/language']//button", "html[lang='fr']")


def sign_out(driver: WebDriver) -> None:
    submit(driver, "//form[@action='/signout']//button", "form[action='/signin/dev']")


def consent(driver: WebDriver, purpose: str, partner: str | None = None) -> None:
    """Record a consent from the person's page."""
    Select(driver.find_element(By.ID, "purpose")).select_by_value(purpose)
    if partner is not None:
        Select(driver.find_element(By.ID, "partner_id")).select_by_value(partner)
    submit(driver, "//form[@class='consent']//button", "ul.consents")


def set_date(driver: WebDriver, field: str, value: str) -> None:
    """Fill a date or date-time input the way a browser's picker would."""
    element = driver.find_element(By.ID, field)
    driver.execute_script("arguments[0].value = arguments[1];", element, value)


def find(driver: WebDriver, xpath: str) -> list[object]:
    return list(driver.find_elements(By.XPATH, xpath))


def main_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "main").text)


def reload_until(driver: WebDriver, url: str, shown: Callable[[], bool]) -> None:
    """Open `url` again until `shown()` holds: what another service learns over Kafka."""
    deadline = datetime.now(UTC) + timedelta(seconds=WAIT)
    while True:
        old = driver.find_element(By.TAG_NAME, "html")
        driver.get(url)
        if gone(old) and shown():
            return
        assert datetime.now(UTC) < deadline, f"never shown at {url}: {main_text(driver)}"
        pause(1.0)
