"""Case files: opened under a procedure, moved only as it allows, never silently
overwritten, and legal deadlines started by their steps (real PostgreSQL)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.integration.conftest import CaseworkWorld, token

pytestmark = pytest.mark.integration

CITY = "city-montreuil"
DESK = token(CITY, "intake", "caseworker")
CASEWORKER = token(CITY, "caseworker", user="lea")


async def person(client: httpx.AsyncClient, casework: CaseworkWorld, name: str = "Farid") -> str:
    """A person registered at the city's desk, known to casework through intake's events."""
    response = await client.post("/persons", json={"chosen_name": name}, headers=DESK)
    assert response.status_code == 201, response.text
    await casework.sync()
    return str(response.json()["id"])


async def open_case(casework: CaseworkWorld, person_id: str, case_type: str, **extra) -> dict:
    body = {"person_id": person_id, "case_type": case_type, **extra}
    response = await casework.http.post("/cases", json=body, headers=CASEWORKER)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_case_moves_only_as_its_procedure_allows(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "cnda_appeal")
    assert case["version"] == 1
    assert case["allowed_transitions"], "a new case can move on"
    wrong = await casework.http.post(
        f"/cases/{case['id']}/transitions",
        json={"to": "closed_nowhere", "on": "2026-03-02", "version": 1},
        headers=CASEWORKER,
    )
    assert wrong.status_code == 409
    assert wrong.json()["allowed"] == case["allowed_transitions"]
    assert "allowed" in wrong.json()["detail"]

    moved = await casework.http.post(
        f"/cases/{case['id']}/transitions",
        json={"to": case["allowed_transitions"][0], "on": "2026-03-02", "version": 1},
        headers=CASEWORKER,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["version"] == 2


async def test_two_concurrent_updates_one_wins_the_other_gets_409(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    case = await open_case(casework, await person(client, casework), "domiciliation")
    path = f"/cases/{case['id']}/assignee"
    first, second = await asyncio.gather(
        casework.http.put(path, json={"assignee": "lea", "version": 1}, headers=CASEWORKER),
        casework.http.put(path, json={"assignee": "omar", "version": 1}, headers=CASEWORKER),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert "version 1" in loser.json()["detail"]
    winner = first if first.status_code == 200 else second
    now = (await casework.http.get(f"/cases/{case['id']}", headers=CASEWORKER)).json()
    assert now["assignee"] == winner.json()["assignee"]
    assert now["version"] == 2


async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, casework: CaseworkWorld
) -> None:
    person_id = await person(client, casework)
    unknown = await casework.http.post(
        "/cases", json={"person_id": person_id, "case_type": "astrology"}, headers=CASEWORKER
    )
    assert unknown.status_code == 422
    assert "case_type" in unknown.json()["detail"]
    stranger = await casework.http.post(
        "/cases",
        json={"person_id": person_id, "case_type": "asylum"},
        headers=token("assoc-other", "caseworker"),
    )
    assert stranger.status_code == 404
    missing = await casework.http.get(f"/cases/{person_id}", headers=CASEWORKER)
    assert missing.status_code == 404
