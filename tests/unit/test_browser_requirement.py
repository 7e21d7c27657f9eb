"""Browser tests skip on a machine without Chromium, but fail in CI, which installs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import require_browser


@pytest.fixture
def binaries(tmp_path: Path) -> tuple[Path, Path]:
    """Two executables standing in for Chromium and chromedriver."""
    paths = (tmp_path / "chromium", tmp_path / "chromedriver")
    for path in paths:
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    return paths


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_a_missing_browser_fails_in_ci(binaries: tuple[Path, Path], ci: str) -> None:
    binaries[1].unlink()
    with pytest.raises(pytest.fail.Exception, match=r"chromedriver missing.*defect"):
        require_browser({"CI": ci}, binaries)


@pytest.mark.parametrize("environ", [{}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}])
def test_a_missing_browser_skips_outside_ci(
    binaries: tuple[Path, Path], environ: dict[str, str]
) -> None:
    binaries[0].unlink()
    with pytest.raises(pytest.skip.Exception, match="chromium missing"):
        require_browser(environ, binaries)


def test_a_file_that_cannot_run_counts_as_missing(binaries: tuple[Path, Path]) -> None:
    binaries[0].chmod(0o644)
    with pytest.raises(pytest.skip.Exception, match="chromium missing"):
        require_browser({}, binaries)


def test_an_installed_browser_is_required_silently(binaries: tuple[Path, Path]) -> None:
    require_browser({"CI": "true"}, binaries)
