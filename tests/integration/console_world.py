"""What the console's integration tests share: the console on its own database asking the real
intake and casework, a browser-like HTTP client, signing in, and waiting for a page in a real
browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from shared.auth import DEV_JWT_SECRET, mint_token

if TYPE_CHECKING:
    from tests.integration.conftest import CaseworkWorld

NOW = datetime(2026, 3, 25, 10, 0, tzinfo=UTC)
DESK = {
    "Authorization": "Bearer "
    + mint_token(DEV_JWT_SECRET, user_id="city-desk", org="city-montreuil", roles=["caseworker"])
}
"""The city's desk user, straight to casework: the tests' own setup (the console never hands
its token to the browser)."""


async def sign_in(desk: httpx.AsyncClient, user: str = "city-desk") -> httpx.Response:
    page = await desk.get("/signin", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    return await desk.post("/signin/dev", data={"user_id": user, "csrf": csrf_of(page)})


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


async def mine(casework: CaseworkWorld, case: dict) -> None:
    """Assign the case to the desk user: Today lists the caseworker's own cases."""
    answer = await casework.http.put(
        f"/cases/{case['id']}/assignee", json={"assignee": "city-desk", "version": 1}, headers=DESK
    )
    assert answer.status_code == 200, answer.text


def submit(driver: WebDriver, button: str, selector: str) -> None:
    """Click the `button` (XPath) of a form and wait (10 s at most) for the next page, the one
    that has `selector`: the old page must be gone first, so a page that looks alike counts."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.XPATH, button).click()
    wait = WebDriverWait(driver, 10)
    wait.until(lambda _driver: gone(old))
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector)))


def gone(element: WebElement) -> bool:
    """The element's page was replaced. Chromium may say so with another error than a stale
    reference while the next page loads ("Node ... does not belong to the document")."""
    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False
