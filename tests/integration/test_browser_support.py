"""The browser helpers on a real page served over TCP: what Chromium renders, screenshots, axe."""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.integration.api_served import LoopThread, serve
from tests.support.browser import ARTIFACTS, DESKTOP, PHONE, axe_violations, resized, screenshot

pytestmark = pytest.mark.integration

HEAD = '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
LOGO = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='40' height='40'/%3E"
GOOD = f"""<!doctype html><html lang="fr"><head>{HEAD}<title>Accueil · Passerelle</title></head>
<body><main><h1>Bonjour Amina</h1>
<form><label for="name">Nom choisi</label> <input id="name" name="name"></form>
<p style="margin-top: 1500px">Fin de la page</p></main></body></html>"""
BAD = f"""<!doctype html><html lang="fr"><head>{HEAD}<title>Mal fait</title></head>
<body><main><h1>Sans texte</h1><a href="/good"><img src="{LOGO}"></a>
<form><input name="phone"></form></main></body></html>"""


def pages() -> FastAPI:
    """One accessible page and one with an unnamed image link and an unlabelled input."""
    app = FastAPI()

    @app.get("/good", response_class=HTMLResponse)
    def good() -> str:
        return GOOD

    @app.get("/bad", response_class=HTMLResponse)
    def bad() -> str:
        return BAD

    return app


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """Base URL of `pages()` behind uvicorn on a free port, in a thread of its own."""
    with LoopThread().running() as thread:
        stack = contextlib.AsyncExitStack()
        try:
            yield thread.run(stack.enter_async_context(serve(pages())))
        finally:
            thread.run(stack.aclose())


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file, from its header."""
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_browser_renders_the_served_page_and_saves_it(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/good")
    assert browser.title == "Accueil · Passerelle"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Bonjour Amina"
    shot = screenshot(browser, "browser-support/good")
    assert shot == ARTIFACTS / "browser-support" / "good.png"
    assert png_size(shot) == (DESKTOP.width, DESKTOP.height)
    width, height = png_size(screenshot(browser, "browser-support/good-full", full_page=True))
    assert width == DESKTOP.width
    assert height > 1500, "a full-page screenshot goes past the fold"


def test_the_phone_viewport_lays_the_page_out_at_phone_width(browser: WebDriver, site: str) -> None:
    with resized(browser, PHONE):
        browser.get(f"{site}/good")
        assert browser.execute_script("return window.innerWidth;") == PHONE.width
        shot = screenshot(browser, "browser-support/good-phone")
        assert png_size(shot) == (PHONE.width, PHONE.height)
    assert browser.execute_script("return window.innerWidth;") == DESKTOP.width


def test_axe_finds_the_unnamed_image_link_and_the_unlabelled_input(
    browser: WebDriver, site: str
) -> None:
    browser.get(f"{site}/bad")
    assert browser.title == "Mal fait"
    found = {violation.id: violation for violation in axe_violations(browser)}
    assert {"image-alt", "link-name", "label"} <= found.keys(), [str(v) for v in found.values()]
    assert found["image-alt"].impact == "critical"
    assert any("img" in target for target in found["image-alt"].targets)
    assert any("input" in target for target in found["label"].targets)
    critical = {violation.id for violation in axe_violations(browser, impacts=("critical",))}
    assert "image-alt" in critical
    assert "link-name" not in critical, "a serious violation is left out when asking for critical"


def test_axe_finds_nothing_serious_on_the_accessible_page(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/good")
    violations = axe_violations(browser)
    assert violations == [], [str(v) for v in violations]
