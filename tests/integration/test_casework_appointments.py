"""Appointments: every change takes a higher revision and is announced through the outbox
with the place encrypted; impossible or stale changes are refused (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.integration.conftest import CaseworkWorld, token
from tests.integration.test_casework_cases import CASEWORKER, open_case, person

pytestmark = pytest.mark.integration

ELSEWHERE = token("assoc-other", "caseworker")
PREFECTURE = "Préfecture de Bobigny, guichet 4"


@pytest.fixture(autouse=True)
def before_the_appointments(casework: CaseworkWorld) -> None:
    """Casework's clock before the appointments booked here: a past one is only history."""
    casework.casework.clock = lambda: datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def schedule(casework: CaseworkWorld, case_id: str, **body: object) -> dict:
    fields = {"kind": "prefecture", "starts_at": "2026-03-30T09:30:00+02:00", "place": PREFECTURE}
    response = await casework.http.post(
        f"/cases/{case_id}/appointments", json={**fields, **body}, headers=CASEWORKER
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def act(
    casework: CaseworkWorld, appointment_id: str, action: str, headers: dict | None = None, **body
) -> httpx.Response:
    return await casework.http.post(
        f"/appointments/{appointment_id}/{action}", json=body or None, headers=headers or CASEWORKER
    )


async def appointment_events(casework: CaseworkWorld) -> list[dict]:
    """Casework's own event log, appointment events only, in the order they were written."""
    table = casework.casework.runtime.outbox.table
    async with casework.casework.runtime.sessions() as session:
        rows = await session.execute(select(table.c.envelope).order_by(table.c.seq))
        envelopes = [json.loads(raw) for raw in rows.scalars()]
    return [e for e in envelopes if e["type"].startswith("casework.appointment_")]


async def outbox_text(casework: CaseworkWorld) -> str:
    table = casework.casework.runtime.outbox.table
    async with casework.casework.runtime.sessions() as session:
        return "\n".join((await session.execute(select(table.c.envelope))).scalars())


async def test_a_rescheduled_appointment_carries_a_higher_revision(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "asylum")
    booked = await schedule(casework, case["id"])
    assert booked["revision"] == 1
    assert booked["starts_at"].startswith("2026-03-30T07:30:00"), "stored as the UTC instant"
    assert booked["timezone"] == "Europe/Paris"
    assert booked["local_start"].startswith("2026-03-30T09:30:00+02:00")
    assert booked["place"] == PREFECTURE

    moved = await act(
        casework, booked["id"], "reschedule", revision=1, starts_at="2026-04-02T14:00:00Z"
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["revision"] == 2
    new_place = "Cabinet de Maître Diallo, 12 rue de Paris"
    elsewhere = await act(casework, booked["id"], "reschedule", revision=2, place=new_place)
    assert elsewhere.status_code == 200, elsewhere.text

    [listed] = (
        await casework.http.get(f"/cases/{case['id']}/appointments", headers=CASEWORKER)
    ).json()
    assert (listed["revision"], listed["place"], listed["status"]) == (3, new_place, "scheduled")
    assert listed["starts_at"].startswith("2026-04-02T14:00:00")

    events = await appointment_events(casework)
    assert [(e["type"], e["data"]["revision"]) for e in events] == [
        ("casework.appointment_scheduled.v1", 1),
        ("casework.appointment_rescheduled.v1", 2),
        ("casework.appointment_rescheduled.v1", 3),
    ]
    assert [e["data"]["starts_at"][:19] for e in events] == [
        "2026-03-30T07:30:00",
        "2026-04-02T14:00:00",
        "2026-04-02T14:00:00",
    ]
    assert all(e["data"]["timezone"] == "Europe/Paris" for e in events)
    assert all(e["data"]["place"].startswith("enc:v1:") for e in events)
    assert events[1]["data"]["place"] != events[2]["data"]["place"], "the new place is sealed"
    assert {e["subject"] for e in events} == {case["id"]}
    logged = await outbox_text(casework)
    for clear in (PREFECTURE, "Bobigny", new_place, "Diallo"):
        assert clear not in logged


async def test_a_cancelled_appointment_is_announced_and_cannot_move_again(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "asylum")
    booked = await schedule(casework, case["id"], kind="ofpra_interview")
    cancelled = await act(casework, booked["id"], "cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["revision"]) == ("cancelled", 2)
    last = (await appointment_events(casework))[-1]
    assert last["type"] == "casework.appointment_cancelled.v1"
    assert (last["data"]["revision"], last["data"]["kind"]) == (2, "ofpra_interview")
    assert last["data"]["place"].startswith("enc:v1:")

    again = await act(
        casework, booked["id"], "reschedule", revision=2, starts_at="2026-04-10T08:00:00Z"
    )
    assert again.status_code == 409
    assert "cancelled" in again.json()["detail"]
    assert (await act(casework, booked["id"], "cancel")).status_code == 409
    casework.casework.clock = lambda: datetime(2026, 4, 1, tzinfo=UTC)
    assert (await act(casework, booked["id"], "attended")).status_code == 409
    assert len(await appointment_events(casework)) == 2, "refused changes announce nothing"


async def test_a_stale_revision_is_refused(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "asylum")
    booked = await schedule(casework, case["id"])
    first = await act(casework, booked["id"], "reschedule", revision=1, place="Mairie annexe")
    assert first.status_code == 200, first.text
    stale = await act(casework, booked["id"], "reschedule", revision=1, place="Ailleurs")
    assert stale.status_code == 409
    assert stale.json()["current_revision"] == 2
    assert "revision 1" in stale.json()["detail"]
    assert (await act(casework, booked["id"], "cancel", revision=1)).status_code == 409

    both = await asyncio.gather(
        act(casework, booked["id"], "reschedule", revision=2, starts_at="2026-05-04T08:00:00Z"),
        act(casework, booked["id"], "reschedule", revision=2, starts_at="2026-05-05T08:00:00Z"),
    )
    assert sorted(r.status_code for r in both) == [200, 409], "one of two writers wins"
    [listed] = (
        await casework.http.get(f"/cases/{case['id']}/appointments", headers=CASEWORKER)
    ).json()
    assert listed["revision"] == 3
    assert listed["place"] == "Mairie annexe"
    assert [e["data"]["revision"] for e in await appointment_events(casework)] == [1, 2, 3]


async def test_outcomes_are_recorded_only_once_the_appointment_started(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "cnda_appeal")
    starts = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
    booked = await schedule(
        casework, case["id"], kind="cnda_hearing", starts_at=starts.isoformat(), timezone="UTC"
    )
    casework.casework.clock = lambda: starts - timedelta(hours=1)
    early = await act(casework, booked["id"], "missed")
    assert early.status_code == 409
    assert "before it starts" in early.json()["detail"]

    casework.casework.clock = lambda: starts + timedelta(hours=2)
    missed = await act(casework, booked["id"], "missed", revision=1)
    assert (missed.status_code, missed.json()["status"]) == (200, "missed")
    corrected = await act(casework, booked["id"], "attended")
    assert (corrected.json()["status"], corrected.json()["revision"]) == ("attended", 3)
    assert (await act(casework, booked["id"], "attended")).status_code == 409
    assert (await act(casework, booked["id"], "cancel")).status_code == 409
    types = [e["type"] for e in await appointment_events(casework)]
    assert types[1:] == ["casework.appointment_missed.v1", "casework.appointment_attended.v1"]


async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "asylum")
    path = f"/cases/{case['id']}/appointments"
    base = {"kind": "prefecture", "starts_at": "2026-03-30T09:30:00+02:00", "place": "Mairie"}

    async def rejected(**changes: object) -> list[str]:
        response = await casework.http.post(path, json={**base, **changes}, headers=CASEWORKER)
        assert response.status_code == 422, response.text
        return [error["loc"][-1] for error in response.json()["errors"]]

    assert await rejected(starts_at="2026-03-30T09:30:00") == ["starts_at"]
    assert await rejected(timezone="Europe/Montreuil") == ["timezone"]
    assert await rejected(place="  ") == ["place"]
    assert await rejected(place="x" * 301) == ["place"]
    assert await rejected(kind="astrologer") == ["kind"]
    booked = await schedule(casework, case["id"])
    naive = await act(
        casework, booked["id"], "reschedule", revision=1, starts_at="2026-04-01T10:00:00"
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["loc"][-1] == "starts_at"
    assert len(await appointment_events(casework)) == 1


async def test_another_organisation_sees_no_appointment(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "asylum")
    booked = await schedule(casework, case["id"])
    listed = await casework.http.get(f"/cases/{case['id']}/appointments", headers=ELSEWHERE)
    assert listed.status_code == 404
    scheduled = await casework.http.post(
        f"/cases/{case['id']}/appointments",
        json={"kind": "lawyer", "starts_at": "2026-04-01T10:00:00Z", "place": "Ici"},
        headers=ELSEWHERE,
    )
    assert scheduled.status_code == 404
    moves = {
        "reschedule": {"revision": 1, "place": "Ailleurs"},
        "cancel": {},
        "attended": {},
        "missed": {},
    }
    casework.casework.clock = lambda: datetime(2026, 4, 1, tzinfo=UTC)
    for action, body in moves.items():
        response = await act(casework, booked["id"], action, headers=ELSEWHERE, **body)
        assert response.status_code == 404, action
    [unchanged] = (
        await casework.http.get(f"/cases/{case['id']}/appointments", headers=CASEWORKER)
    ).json()
    assert (unchanged["revision"], unchanged["status"]) == (1, "scheduled")
    assert len(await appointment_events(casework)) == 1
