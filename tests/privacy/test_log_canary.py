"""No log line of the whole run, ours or our subprocesses', carries a canary personal value."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import SERVICES_RUN
from tests.e2e.test_erasure_everywhere import CANARIES as FILE_CANARIES
from tests.e2e.test_housing_erasure import CANARIES as HOUSING_CANARIES
from tests.e2e.test_register_and_notify import CANARY_NAME

# phone numbers and appointment places the reminder tests send through the fake provider
SMS_CANARIES = ["+33612345678", "06 12 34 56 78", "0612345678", "Cabinet de Me Martin"]
CANARIES = [
    CANARY_NAME,
    *CANARY_NAME.split(),
    *FILE_CANARIES.values(),
    *HOUSING_CANARIES.values(),
    *SMS_CANARIES,
]


@pytest.mark.last
def test_no_log_line_of_the_run_contains_a_canary_value(request: pytest.FixtureRequest) -> None:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    if request.config.stash.get(SERVICES_RUN, False):
        # the services handled the canary: their logs must be here, or this proves nothing
        for service in ("intake", "casework", "notifications"):
            logs = list(log_dir.glob(f"{service}-*.log"))
            assert logs, f"no {service} log in {log_dir}"
            assert any('"http.request"' in p.read_text() for p in logs), (
                f"{service} logged no request"
            )
    lines = [
        (path.name, line)
        for path in sorted(log_dir.glob("*.log"))
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
    ]
    if not lines:
        pytest.skip(f"nothing was logged in {log_dir}: run it with the other tests")
    pattern = re.compile("|".join(re.escape(c) for c in CANARIES), re.IGNORECASE)
    leaks = [f"{name}: {line[:200]}" for name, line in lines if pattern.search(line)]
    assert not leaks, "personal data reached the logs:\n" + "\n".join(leaks[:10])
