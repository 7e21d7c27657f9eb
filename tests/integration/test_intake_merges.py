"""Merges are explicit and recorded; a split undoes a merge (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from sqlalchemy import select

from services.intake.bootstrap import Intake
from services.intake.models import Merge, outbox_table
from tests.integration.conftest import token

pytestmark = pytest.mark.integration

CITY = "city-montreuil"
DESK = token(CITY, "intake", "caseworker")
OTHER = token("assoc-other", "intake", "caseworker")
PHONE = "06 12 34 56 78"
REASON = "same person: same phone, seen twice at the desk"


async def register(client: httpx.AsyncClient, name: str, headers: dict = DESK, **extra) -> str:
    body = {"chosen_name": name, **extra}
    response = await client.post("/persons", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def event_types(intake: Intake) -> list[str]:
    async with intake.runtime.sessions() as session:
        rows = await session.execute(select(outbox_table.c.envelope).order_by(outbox_table.c.seq))
        return [json.loads(e)["type"] for e in rows.scalars()]


async def merge(client: httpx.AsyncClient, survivor: str, duplicate: str, **kw) -> httpx.Response:
    body = {"duplicate_id": duplicate, "reason": REASON}
    return await client.post(
        f"/persons/{survivor}/merges", json=body, headers=kw.get("headers", DESK)
    )


async def test_a_split_undoes_a_merge(client: httpx.AsyncClient, intake: Intake) -> None:
    first = await register(client, "Aminata Diallo", phone=PHONE)
    second = await register(client, "DIALLO Aminata", phone=PHONE, languages=["bm", "fr"])
    consent = await client.post(
        f"/persons/{second}/consents", json={"purpose": "sms_reminders"}, headers=DESK
    )
    before = (await client.get(f"/persons/{second}", headers=DESK)).json()
    suggested = await client.get(f"/persons/{first}/duplicates", headers=DESK)
    assert [d["person_id"] for d in suggested.json()] == [second]

    merged = await merge(client, first, second)
    assert merged.status_code == 201, merged.text
    assert merged.json()["merged_by"] == "desk"
    assert (await client.get(f"/persons/{second}", headers=DESK)).json()["merged_into"] == first
    listed = (await client.get("/persons", headers=DESK)).json()
    assert [p["id"] for p in listed["items"]] == [first], "a merged record leaves the list"
    everyone = (await client.get("/persons?include_merged=true", headers=DESK)).json()
    assert everyone["total"] == 2
    assert (await client.get(f"/persons/{first}/duplicates", headers=DESK)).json() == []
    changed = await client.patch(f"/persons/{second}", json={"chosen_name": "A."}, headers=DESK)
    assert changed.status_code == 409
    assert first in changed.json()["detail"]

    split = await client.post(
        f"/merges/{merged.json()['id']}/split",
        json={"reason": "two sisters sharing one phone"},
        headers=DESK,
    )
    assert split.status_code == 200, split.text
    assert split.json()["split_reason"] == "two sisters sharing one phone"
    assert (await client.get(f"/persons/{second}", headers=DESK)).json() == before
    assert (await client.get("/persons", headers=DESK)).json()["total"] == 2
    again = await client.get(f"/persons/{first}/duplicates", headers=DESK)
    assert [d["person_id"] for d in again.json()] == [second], "suggested again, never re-merged"
    consents = (await client.get(f"/persons/{second}/consents", headers=DESK)).json()
    assert [c["id"] for c in consents] == [consent.json()["id"]], "nothing was moved"
    history = (await client.get(f"/persons/{first}/merges", headers=DESK)).json()
    assert [(m["merged_id"], m["split_by"]) for m in history] == [(second, "desk")]
    exported = (await client.get(f"/persons/{second}/export", headers=DESK)).json()
    assert exported["merges"] == history, "the art. 15 export includes the merge decisions"

    types = await event_types(intake)
    assert types.count("intake.persons_merged.v1") == 1
    assert types.count("intake.persons_split.v1") == 1
    twice = await client.post(
        f"/merges/{merged.json()['id']}/split", json={"reason": REASON}, headers=DESK
    )
    assert twice.status_code == 409


async def test_merges_the_rules_refuse(client: httpx.AsyncClient) -> None:
    a, b, c = [await register(client, name) for name in ("Awa", "Awa K.", "Awa Keita")]
    elsewhere = await register(client, "Awa", headers=OTHER)

    assert (await merge(client, a, a)).status_code == 409
    assert (await merge(client, a, elsewhere)).status_code == 404, "not visible: as if absent"
    assert (await merge(client, elsewhere, a, headers=OTHER)).status_code == 404
    assert (await merge(client, a, str(uuid.uuid4()))).status_code == 404
    short = await client.post(
        f"/persons/{a}/merges", json={"duplicate_id": b, "reason": "dup"}, headers=DESK
    )
    assert short.status_code == 422
    assert "reason" in short.text

    assert (await merge(client, a, b)).status_code == 201
    into_merged = await merge(client, b, c)
    assert into_merged.status_code == 409
    assert "merged into" in into_merged.json()["detail"]
    survivor_away = await merge(client, c, a)
    assert survivor_away.status_code == 409
    assert "merge the other way" in survivor_away.json()["detail"]
    assert (await merge(client, a, c)).status_code == 201, "merging into the survivor works"
    merge_id = (await client.get(f"/persons/{a}/merges", headers=DESK)).json()[0]["id"]
    stranger = await client.post(
        f"/merges/{merge_id}/split", json={"reason": REASON}, headers=OTHER
    )
    assert stranger.status_code == 404


async def test_erasing_the_survivor_erases_the_records_merged_into_it(
    client: httpx.AsyncClient, intake: Intake
) -> None:
    eraser = token(CITY, "intake", "caseworker")
    survivor, duplicate = await register(client, "Farid"), await register(client, "Farid B.")
    assert (await merge(client, survivor, duplicate)).status_code == 201
    hold = await client.post(
        f"/persons/{duplicate}/legal-holds", json={"reason": "CNDA appeal pending"}, headers=DESK
    )
    assert hold.status_code == 201
    blocked = await client.post(f"/persons/{survivor}/erasure", headers=eraser)
    assert blocked.status_code == 409
    assert "legal hold" in blocked.json()["detail"]
    directly = await client.post(f"/persons/{duplicate}/erasure", headers=eraser)
    assert directly.status_code == 409, "erasure goes through the surviving record"

    lifted = await client.post(
        f"/persons/{duplicate}/legal-holds/{hold.json()['id']}/lift", headers=DESK
    )
    assert lifted.status_code == 200
    assert (await client.post(f"/persons/{survivor}/erasure", headers=eraser)).status_code == 200
    for person_id in (survivor, duplicate):
        assert (await client.get(f"/persons/{person_id}", headers=DESK)).json()[
            "chosen_name"
        ] == "[erased]"
    assert (await event_types(intake)).count("intake.person_erased.v1") == 2
    async with intake.runtime.sessions() as session:
        [record] = (await session.execute(select(Merge))).scalars()
    assert record.reason == "[erased]"


async def test_two_merges_of_one_record_at_once_one_wins(client: httpx.AsyncClient) -> None:
    first, second, duplicate = [await register(client, n) for n in ("Ali", "Ali B", "Ali C")]
    answers = await asyncio.gather(
        merge(client, first, duplicate), merge(client, second, duplicate)
    )
    assert sorted(r.status_code for r in answers) == [201, 409]
    opposite = await asyncio.gather(merge(client, first, second), merge(client, second, first))
    assert sorted(r.status_code for r in opposite) == [201, 409], "never a cycle"
