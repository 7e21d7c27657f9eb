"""Headless Chromium driven by Selenium, on Debian's binaries: screenshots and axe-core checks."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SCRIPT_TIMEOUT = 30.0

# Headless flags that also work as root; a fixed scale factor keeps a screenshot's pixels equal
# to CSS pixels, and hidden scrollbars keep them out of it.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--force-device-scale-factor=1",
    "--hide-scrollbars",
)


@dataclass(frozen=True)
class Viewport:
    """The page's visible area in CSS pixels; `mobile` honours `<meta name=viewport>` and touch."""

    width: int
    height: int
    mobile: bool = False


DESKTOP = Viewport(1280, 900)
PHONE = Viewport(390, 844, mobile=True)


@dataclass(frozen=True)
class Violation:
    """One axe-core rule broken on the page, with the CSS selectors of the offending nodes."""

    id: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.id} ({self.impact}): {self.help} at {', '.join(self.targets)}"


def require_browser(
    environ: Mapping[str, str] | None = None, binaries: Iterable[Path] = (CHROMIUM, CHROMEDRIVER)
) -> None:
    """Skip when Chromium or chromedriver is missing; fail instead in CI, which installs them."""
    missing = [str(path) for path in binaries if not os.access(path, os.X_OK)]
    if not missing:
        return
    reason = (
        f"no headless browser: {', '.join(missing)} missing"
        " (apt-get install chromium chromium-driver)"
    )
    ci = (os.environ if environ is None else environ).get("CI", "")
    if ci.strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason}; CI installs them (.ci/run), so this is a defect", pytrace=False)
    pytest.skip(reason)


def start_browser(viewport: Viewport = DESKTOP) -> WebDriver:
    """A headless Chromium at `viewport`; the caller quits it."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--window-size={viewport.width},{viewport.height}"):
        options.add_argument(flag)
    # With the driver's path given, Selenium Manager is skipped: nothing is downloaded.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        driver.set_script_timeout(SCRIPT_TIMEOUT)
        set_viewport(driver, viewport)
    except BaseException:
        driver.quit()
        raise
    return driver


def set_viewport(driver: WebDriver, viewport: Viewport) -> None:
    """Make the page's visible area exactly `viewport` (the window's own size includes chrome)."""
    metrics = {
        "width": viewport.width,
        "height": viewport.height,
        "deviceScaleFactor": 1,
        "mobile": viewport.mobile,
    }
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": viewport.mobile})


@contextlib.contextmanager
def resized(driver: WebDriver, viewport: Viewport) -> Iterator[WebDriver]:
    """The browser at `viewport` for the block, back to DESKTOP (the session's size) after it."""
    set_viewport(driver, viewport)
    try:
        yield driver
    finally:
        set_viewport(driver, DESKTOP)


def screenshot(
    driver: WebDriver, name: str, *, full_page: bool = False, viewport: Viewport = DESKTOP
) -> Path:
    """Save what the browser shows as tests/artifacts/<name>.png; `full_page` goes past the fold
    (the page is laid out at `viewport`'s width and its whole height, then put back)."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not full_page:
        path.write_bytes(driver.get_screenshot_as_png())
        return path
    # a taller viewport rather than a clip beyond it: a clip misplaces right-to-left pages
    height = int(driver.execute_script("return document.documentElement.scrollHeight;"))
    set_viewport(driver, Viewport(viewport.width, max(height, viewport.height), viewport.mobile))
    try:
        path.write_bytes(driver.get_screenshot_as_png())
    finally:
        set_viewport(driver, viewport)
    return path


_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  (results) => done({violations: results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((node) => node.target.flat(Infinity).join(" ")),
  }))}),
  (error) => done({error: String(error)}),
);
"""


def axe_violations(
    driver: WebDriver, impacts: Iterable[str] = ("serious", "critical")
) -> list[Violation]:
    """The axe-core violations of those impacts on the current page (axe is injected if absent)."""
    if not driver.execute_script("return typeof window.axe === 'object';"):
        driver.execute_script(_axe_source())
    outcome: dict[str, Any] = driver.execute_async_script(_RUN_AXE)
    if "error" in outcome:
        raise RuntimeError(f"axe-core failed on {driver.current_url}: {outcome['error']}")
    wanted = set(impacts)
    return [
        Violation(v["id"], v["impact"], v["help"], tuple(v["targets"]))
        for v in outcome["violations"]
        if v["impact"] in wanted
    ]


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")
