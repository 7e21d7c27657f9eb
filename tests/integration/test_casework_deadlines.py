"""Legal deadlines as the case moves: started, suspended and resumed by steps, met,
recomputed when the rule data changes, and announced once per horizon (real PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from services.casework.domain.deadlines import RuleBook
from services.casework.scheduler import announce_once
from services.casework.settings import RULES
from tests.integration.conftest import CaseworkWorld, token
from tests.integration.test_casework_cases import CASEWORKER, open_case, person

pytestmark = pytest.mark.integration

CNDA_V2 = """
[[rule]]
id = "asylum.cnda_appeal"
version = 2
effective_from = 2026-01-01
legal_reference = "CESEDA art. L532-1 (as amended by a hypothetical 2026 law)"
label = "Appeal to the CNDA"
delay = { amount = 2, unit = "months" }
direction = "after"
suspension_window = { amount = 15, unit = "days" }
"""


async def move(casework: CaseworkWorld, case: dict, to: str, on: str, **extra) -> dict:
    current = (await casework.http.get(f"/cases/{case['id']}", headers=CASEWORKER)).json()
    body = {"to": to, "on": on, "version": current["version"], **extra}
    response = await casework.http.post(
        f"/cases/{case['id']}/transitions", json=body, headers=CASEWORKER
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def deadlines(casework: CaseworkWorld, case: dict) -> dict[str, dict]:
    response = await casework.http.get(f"/cases/{case['id']}/deadlines", headers=CASEWORKER)
    assert response.status_code == 200, response.text
    return {d["rule_id"]: d for d in response.json()}


async def test_legal_aid_suspends_the_cnda_month_and_its_decision_resumes_it(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(
        casework,
        await person(client, casework),
        "cnda_appeal",
        on="2026-03-02",
        notified={"asylum.cnda_appeal": "2026-04-02"},
    )
    appeal = (await deadlines(casework, case))["asylum.cnda_appeal"]
    assert appeal["computed_due"] == "2026-04-02"
    assert appeal["notified_due"] == "2026-04-02"
    assert appeal["differs"] is False
    assert appeal["rule_version"] == 1
    assert "L532" in appeal["legal_reference"]

    await move(casework, case, "legal_aid_requested", "2026-03-12")
    suspended = (await deadlines(casework, case))["asylum.cnda_appeal"]
    assert suspended["computed_due"] is None, "no date while legal aid is pending"
    await move(casework, case, "legal_aid_decided", "2026-05-04")
    resumed = (await deadlines(casework, case))["asylum.cnda_appeal"]
    assert resumed["computed_due"] == "2026-05-25", "the 21 days left run from the decision"
    assert resumed["due"] == "2026-04-02", "the letter's earlier date stays the one to act by"
    assert resumed["differs"] is True
    assert [(r["cause"], r["new_due"]) for r in resumed["revisions"]] == [
        ("suspended", None),
        ("resumed", "2026-05-25"),
    ]

    await move(casework, case, "appeal_lodged", "2026-05-20")
    met = (await deadlines(casework, case))["asylum.cnda_appeal"]
    assert met["status"] == "met"


async def test_a_rule_change_recomputes_an_open_deadline_and_records_the_difference(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    person_id = await person(client, casework)
    cnda = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")
    other = await open_case(casework, person_id, "domiciliation", on="2026-03-02")
    before_other = await deadlines(casework, other)

    base = (RULES / "deadlines.toml").read_text(encoding="utf-8")
    casework.casework.rules = RuleBook.from_toml(base + CNDA_V2)
    applied = await casework.http.post(
        "/deadline-rules/recompute", headers=token("city-montreuil", "coordinator")
    )
    assert applied.status_code == 200
    assert applied.json() == {"changed": 1}

    appeal = (await deadlines(casework, cnda))["asylum.cnda_appeal"]
    assert appeal["computed_due"] == "2026-05-02"
    assert appeal["rule_version"] == 2
    assert appeal["legal_reference"].endswith("(as amended by a hypothetical 2026 law)")
    assert appeal["revisions"] == [
        {
            "cause": "rule_changed",
            "old_due": "2026-04-02",
            "new_due": "2026-05-02",
            "old_rule_version": 1,
            "new_rule_version": 2,
            "recomputed_at": appeal["revisions"][0]["recomputed_at"],
        }
    ]
    assert await deadlines(casework, other) == before_other, "other rules are untouched"
    again = await casework.http.post(
        "/deadline-rules/recompute", headers=token("city-montreuil", "coordinator")
    )
    assert again.json() == {"changed": 0}
    refused = await casework.http.post("/deadline-rules/recompute", headers=CASEWORKER)
    assert refused.status_code == 403


async def test_an_approaching_deadline_is_announced_once_per_horizon(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "cnda_appeal", on="2026-03-02")
    world = casework.casework

    async def announced() -> list[dict]:
        table = world.runtime.outbox.table
        async with world.runtime.sessions() as session:
            rows = await session.execute(
                select(table.c.envelope)
                .where(table.c.type == "casework.deadline_approaching.v1")
                .order_by(table.c.seq)
            )
            return [json.loads(e)["data"] for e in rows.scalars()]

    world.clock = lambda: datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # 13 days before
    assert await announce_once(world) == 0
    world.clock = lambda: datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # 6 days before
    assert await announce_once(world) == 1
    assert await announce_once(world) == 0, "never twice for one horizon"
    world.clock = lambda: datetime(2026, 3, 31, 9, 0, tzinfo=UTC)  # 2 days before
    assert await announce_once(world) == 1
    events = await announced()
    assert [(e["horizon_days"], e["due"], e["case_id"]) for e in events] == [
        (7, "2026-04-02", case["id"]),
        (2, "2026-04-02", case["id"]),
    ]
