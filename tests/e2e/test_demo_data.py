"""`make run`'s demo data, entered through the services' APIs as real processes on SQLite
files (what `make run` uses): every piece a newcomer is told to look at is there, and a
second run on the same `.local/` adds nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy.local import demo
from tests.e2e.services import MASTER_KEY, ServiceProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def urls(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    data = tmp_path_factory.mktemp("demo-data")
    intake = ServiceProcess(
        "intake",
        f"sqlite+aiosqlite:///{data / 'intake.db'}",
        kafka_bootstrap,
        log_dir,
        extra_env={"INTAKE_MASTER_KEY": MASTER_KEY},
    )
    intake.start()
    others = [
        ServiceProcess(
            name,
            f"sqlite+aiosqlite:///{data / name}.db",
            kafka_bootstrap,
            log_dir,
            extra_env={f"{name.upper()}_KEY_STORE__URL": intake.url},
        )
        for name in ("casework", "notifications")
    ]
    try:
        for service in others:
            service.start()
        yield {s.name: s.url for s in (intake, *others)}
    finally:
        for service in (*others, intake):
            service.stop()


def get(url: str, org: str) -> httpx.Response:
    return httpx.get(url, headers={"Authorization": f"Bearer {demo.token(org)}"}, timeout=10)


def test_the_demo_shows_the_product_and_a_second_run_adds_nothing(
    urls: dict[str, str], tmp_path: Path
) -> None:
    made = demo.seed(tmp_path, urls)
    casework, notifications = urls["casework"], urls["notifications"]

    partners = get(f"{urls['intake']}/partners", demo.CITY).json()
    assert {p["id"] for p in partners} >= {demo.CITY, demo.ASSOC_X, demo.ASSOC_Y}
    inbox = get(f"{casework}/referrals/incoming", demo.ASSOC_Y).json()["items"]
    waiting = [r for r in inbox if r["id"] == made.referral_id]
    assert [(r["status"], r["automatic"]) for r in waiting] == [("pending", False)]
    assert get(f"{casework}/referrals/incoming", demo.ASSOC_X).json()["items"] == []
    deadlines = get(f"{casework}/cases/{made.case_id}/deadlines", demo.CITY).json()
    assert [(d["rule_id"], d["status"]) for d in deadlines] == [("asylum.cnda_appeal", "open")]
    plan = get(f"{notifications}/appointments/{made.appointment_id}/messages", demo.CITY).json()
    assert sorted((m["kind"], m["status"]) for m in plan) == [
        ("two_days", "queued"),
        ("two_hours", "queued"),
    ]
    contact = get(f"{notifications}/contacts/{made.persons['mariam']}", demo.CITY).json()
    assert contact["preferred_language"] == "prs-AF"

    persons = get(f"{urls['intake']}/persons", demo.CITY).json()["total"]
    assert demo.seed(tmp_path, urls) == made
    assert get(f"{urls['intake']}/persons", demo.CITY).json()["total"] == persons
