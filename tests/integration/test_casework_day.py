"""A caseworker's day, a case's timeline, and what an erasure leaves of a case file
(real PostgreSQL, intake's events through casework's consumer)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import MetaData, select

from tests.integration.conftest import CaseworkWorld, token
from tests.integration.test_casework_cases import CASEWORKER, open_case, person

pytestmark = pytest.mark.integration

LEA = token("city-montreuil", "caseworker", user="lea")
OMAR = token("city-montreuil", "caseworker", user="omar")


async def assign(casework: CaseworkWorld, case: dict, user: str) -> None:
    response = await casework.http.put(
        f"/cases/{case['id']}/assignee", json={"assignee": user, "version": 1}, headers=LEA
    )
    assert response.status_code == 200, response.text


async def test_the_day_shows_my_cases_what_is_due_what_is_late_and_this_week(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    casework.casework.clock = lambda: datetime(2026, 3, 25, 10, 0, tzinfo=UTC)  # a Wednesday
    person_id = await person(client, casework)
    # computed: 2 April; the decision letter says 1 April, and the earlier date is the one to act by
    appeal = await open_case(
        casework,
        person_id,
        "cnda_appeal",
        on="2026-03-02",
        notified={"asylum.cnda_appeal": "2026-04-01"},
    )
    address = await open_case(casework, person_id, "domiciliation", on="2026-01-05")  # 5 Mar
    elsewhere = await open_case(casework, person_id, "ame", on="2026-03-20")
    await assign(casework, appeal, "lea")
    await assign(casework, address, "lea")
    await assign(casework, elsewhere, "omar")
    c = f"/cases/{appeal['id']}"
    await casework.http.post(
        f"{c}/tasks", json={"title": "Call the lawyer", "due_on": "2026-03-20"}, headers=LEA
    )
    await casework.http.post(
        f"{c}/tasks", json={"title": "Later", "due_on": "2026-04-20"}, headers=LEA
    )
    # Friday this week and Monday next week are within the seven days; the Friday after is not
    for starts_at in (
        "2026-03-27T14:00:00+01:00",
        "2026-03-30T10:00:00+02:00",
        "2026-04-03T09:00:00+02:00",
    ):
        await casework.http.post(
            f"{c}/appointments",
            json={"kind": "lawyer", "starts_at": starts_at, "place": "Cabinet Me Martin"},
            headers=LEA,
        )

    day = (await casework.http.get("/day", params={"days": 10}, headers=LEA)).json()
    assert day["today"] == "2026-03-25"
    assert {c["id"] for c in day["cases"]["items"]} == {appeal["id"], address["id"]}
    assert day["by_type"] == {"cnda_appeal": 1, "domiciliation": 1}
    assert [(d["rule_id"], d["due"], d["days_left"]) for d in day["deadlines_soon"]] == [
        ("asylum.cnda_appeal", "2026-04-01", 7)
    ]
    [soon] = day["deadlines_soon"]
    assert (soon["computed_due"], soon["notified_due"], soon["differs"]) == (
        "2026-04-02",
        "2026-04-01",
        True,
    )
    assert soon["legal_reference"].startswith("CESEDA art. L532-1")
    assert [(d["rule_id"], d["due"]) for d in day["overdue_deadlines"]] == [
        ("domiciliation.decision", "2026-03-05")
    ]
    assert [(t["title"], t["due_on"]) for t in day["overdue_tasks"]] == [
        ("Call the lawyer", "2026-03-20")
    ]
    assert [(a["starts_at"], a["place"]) for a in day["appointments_this_week"]] == [
        ("2026-03-27T13:00:00Z", "Cabinet Me Martin"),
        ("2026-03-30T08:00:00Z", "Cabinet Me Martin"),
    ]
    nearer = (await casework.http.get("/day", params={"days": 6}, headers=LEA)).json()
    assert nearer["deadlines_soon"] == []
    filtered = await casework.http.get("/day", params={"case_type": "domiciliation"}, headers=LEA)
    assert [c["id"] for c in filtered.json()["cases"]["items"]] == [address["id"]]
    assert filtered.json()["overdue_deadlines"] == day["overdue_deadlines"], "counts stay whole"
    omar = (await casework.http.get("/day", headers=OMAR)).json()
    assert [c["id"] for c in omar["cases"]["items"]] == [elsewhere["id"]]
    assert (await casework.http.get("/day", params={"days": 0}, headers=LEA)).status_code == 422


async def test_the_timeline_tells_what_happened_without_personal_text(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "cnda_appeal", on="2026-03-02")
    c = f"/cases/{case['id']}"
    await casework.http.post(f"{c}/notes", json={"text": "Confidential detail"}, headers=CASEWORKER)
    await casework.http.post(
        f"{c}/transitions",
        json={"to": "legal_aid_requested", "on": "2026-03-10", "version": 1},
        headers=CASEWORKER,
    )
    timeline = await casework.http.get(f"{c}/timeline", headers=CASEWORKER)
    assert [e["type"].split(".")[1] for e in timeline.json()] == [
        "case_opened",
        "deadline_set",
        "note_added",
        "case_status_changed",
        "deadline_recomputed",
    ]
    assert all(e["actor"] == "lea" for e in timeline.json())
    assert "enc:v1:" not in timeline.text
    assert "Confidential" not in timeline.text


async def test_after_erasure_a_case_keeps_its_facts_and_loses_its_personal_text(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    person_id = await person(client, casework)
    case = await open_case(casework, person_id, "cnda_appeal", on="2026-03-02")
    c = f"/cases/{case['id']}"
    casework.casework.clock = lambda: datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # before it
    await casework.http.post(f"{c}/notes", json={"text": "Kanarynote Secret"}, headers=CASEWORKER)
    await casework.http.post(f"{c}/tasks", json={"title": "Kanarytask"}, headers=CASEWORKER)
    await casework.http.post(
        f"{c}/appointments",
        json={"kind": "lawyer", "starts_at": "2026-04-01T09:00:00+02:00", "place": "Kanaryplace"},
        headers=CASEWORKER,
    )
    erased = await client.post(
        f"/persons/{person_id}/erasure", headers=token("city-montreuil", "intake")
    )
    assert erased.status_code == 200
    await casework.sync()

    assert (await casework.http.get(f"{c}/notes", headers=CASEWORKER)).json() == []
    [task] = (await casework.http.get(f"{c}/tasks", headers=CASEWORKER)).json()
    assert task["title"] == "[erased]"
    [appointment] = (await casework.http.get(f"{c}/appointments", headers=CASEWORKER)).json()
    assert appointment["place"] == "[erased]"
    kept = (await casework.http.get(c, headers=CASEWORKER)).json()
    assert (kept["case_type"], kept["status"]) == ("cnda_appeal", "ofpra_refusal_notified")
    more = await casework.http.post(f"{c}/notes", json={"text": "more"}, headers=CASEWORKER)
    assert more.status_code == 410

    engine = casework.casework.runtime.engine
    async with engine.connect() as connection:
        metadata = MetaData()
        await connection.run_sync(metadata.reflect)
        rows = [
            " ".join(map(str, row))
            for table in metadata.sorted_tables
            for row in (await connection.execute(select(table))).all()
        ]
    dump = " ".join(rows)
    assert case["id"] in dump
    assert "Kanary" not in dump
