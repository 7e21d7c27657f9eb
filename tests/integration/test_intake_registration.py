"""Registration without documents, its details, and duplicate suggestions (real PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from tests.integration.conftest import token

pytestmark = pytest.mark.integration

CITY, ASSOCIATION = "city-montreuil", "assoc-la-cimade"
PHONE = "06 12 34 56 78"


async def register(client: httpx.AsyncClient, org: str = CITY, **body: object) -> dict:
    response = await client.post("/persons", json=body, headers=token(org, "intake"))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_pseudonym_alone_is_enough(client: httpx.AsyncClient) -> None:
    person = await register(client, chosen_name="Petit Prince")
    shown = (await client.get(f"/persons/{person['id']}", headers=token(CITY, "intake"))).json()
    assert shown["chosen_name"] == "Petit Prince"
    assert shown["preferred_language"] is None
    assert shown["timezone"] == "Europe/Paris"


async def test_the_optional_details_are_kept_encrypted(
    client: httpx.AsyncClient, pg_url: str
) -> None:
    person = await register(
        client,
        chosen_name="Zyxwvu Canarynom",
        other_names=["Canary Alias"],
        languages=["prs", "fr"],
        preferred_language="prs-AF",
        phone=PHONE,
        sms_consent=True,
        birth_date="1990-05-17",
        nationality="AF",
        administrative_situation="asylum_seeker",
        timezone="Europe/Paris",
    )
    assert person["phone"] == "+33612345678"
    assert person["birth_date"] == "1990-05-17"
    assert person["administrative_situation"] == "asylum_seeker"
    row = await _raw_row(pg_url, person["id"])
    for secret in ("Canarynom", "Canary Alias", "612345678", "1990-05-17", "asylum"):
        assert secret not in row, f"{secret!r} stored in clear"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "not a number"}, "phone"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"nationality": "afghan"}, "nationality"),
        ({"birth_year": 1850}, "birth_year"),
        ({"languages": ["French!"]}, "languages"),
    ],
)
async def test_bad_details_are_refused_naming_the_field(
    client: httpx.AsyncClient, body: dict, field: str
) -> None:
    response = await client.post(
        "/persons", json={"chosen_name": "Someone", **body}, headers=token(CITY, "intake")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert any(field in map(str, e["loc"]) for e in response.json()["errors"]), response.text


@pytest.mark.parametrize(
    "body",
    [
        {"sms_consent": True},
        {"birth_date": "1990-01-01", "birth_year": 1991},
        {"birth_year": 2999},
    ],
)
async def test_incoherent_details_are_refused(client: httpx.AsyncClient, body: dict) -> None:
    response = await client.post(
        "/persons", json={"chosen_name": "Someone", **body}, headers=token(CITY, "intake")
    )
    assert response.status_code == 422


async def test_spellings_of_one_person_are_suggested_as_duplicates(
    client: httpx.AsyncClient,
) -> None:
    first = await register(client, chosen_name="Aminata Diallo", phone=PHONE, birth_year=1990)
    second = await register(client, chosen_name="DIALLO Aminata", phone="+33612345678")
    third = await register(
        client, chosen_name="Aminata Dialo", phone="0033612345678", birth_year=1991
    )
    older = await register(client, chosen_name="Amina Diallo", birth_year=1960)

    assert [d["person_id"] for d in second["duplicates"]] == [first["id"]]
    assert {d["person_id"] for d in third["duplicates"]} == {first["id"], second["id"]}
    assert "same phone" in third["duplicates"][0]["reasons"]
    # born 30 years apart, a similar name alone is no duplicate (an unknown year does not rule out)
    assert first["id"] not in {d["person_id"] for d in older["duplicates"]}
    assert third["id"] not in {d["person_id"] for d in older["duplicates"]}
    assert all(
        len(d["reasons"]) == 1 and d["reasons"][0].startswith("similar name")
        for d in older["duplicates"]
    )

    on_demand = await client.get(
        f"/persons/{first['id']}/duplicates", headers=token(CITY, "intake")
    )
    assert {d["person_id"] for d in on_demand.json()} == {second["id"], third["id"]}


async def test_duplicates_never_reveal_another_organisations_persons(
    client: httpx.AsyncClient,
) -> None:
    theirs = await register(client, org=ASSOCIATION, chosen_name="Aminata Diallo", phone=PHONE)
    ours = await register(client, chosen_name="Aminata Diallo", phone=PHONE)
    assert ours["duplicates"] == []
    refused = await client.get(f"/persons/{theirs['id']}/duplicates", headers=token(CITY, "intake"))
    assert refused.status_code == 404
    coordinator = await client.get(
        f"/persons/{ours['id']}/duplicates", headers=token(CITY, "coordinator")
    )
    assert [d["person_id"] for d in coordinator.json()] == [theirs["id"]]


async def _raw_row(url: str, person_id: str) -> str:
    from shared.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT * FROM persons WHERE id = :id"), {"id": person_id}
                )
            ).one()
    finally:
        await engine.dispose()
    return " ".join(map(str, row))


async def test_the_list_is_paginated_filtered_and_scoped(client: httpx.AsyncClient) -> None:
    for i in range(5):
        await register(client, chosen_name=f"Ours {i}", preferred_language="ar" if i % 2 else "fr")
    await register(client, org=ASSOCIATION, chosen_name="Theirs")
    staff = token(CITY, "intake")

    first = (await client.get("/persons?limit=2", headers=staff)).json()
    second = (await client.get("/persons?limit=2&offset=2", headers=staff)).json()
    assert first["total"] == second["total"] == 5
    assert [p["chosen_name"] for p in first["items"]] == ["Ours 4", "Ours 3"]
    assert [p["chosen_name"] for p in second["items"]] == ["Ours 2", "Ours 1"]
    arabic = (await client.get("/persons?preferred_language=ar", headers=staff)).json()
    assert sorted(p["chosen_name"] for p in arabic["items"]) == ["Ours 1", "Ours 3"]
    everyone = (await client.get("/persons", headers=token(CITY, "coordinator"))).json()
    assert everyone["total"] == 6

    too_many = await client.get("/persons?limit=1000", headers=staff)
    assert too_many.status_code == 422
    assert (await client.get("/persons?surprise=1", headers=staff)).status_code == 422


async def test_updates_change_only_what_is_given_and_keep_the_history(
    client: httpx.AsyncClient, pg_url: str
) -> None:
    staff = token(CITY, "intake")
    person = await register(client, chosen_name="Zyxwvu Canarynom", phone=PHONE, sms_consent=True)
    url = f"/persons/{person['id']}"

    renamed = await client.patch(url, json={"chosen_name": "Nouveau Nom"}, headers=staff)
    assert renamed.status_code == 200
    assert renamed.json()["chosen_name"] == "Nouveau Nom"
    assert renamed.json()["phone"] == "+33612345678", "untouched fields stay"
    moved = await client.patch(
        url, json={"preferred_language": "ar", "timezone": "Africa/Dakar"}, headers=staff
    )
    assert moved.json()["timezone"] == "Africa/Dakar"

    history = (await client.get(f"{url}/history", headers=staff)).json()
    assert [v["version"] for v in history] == [2, 1]
    assert history[1]["chosen_name"] == "Zyxwvu Canarynom"
    assert history[0]["chosen_name"] == "Nouveau Nom"
    assert history[0]["details"]["timezone"] == "Europe/Paris"
    row = await _raw_row(pg_url, person["id"])
    assert "Nouveau" not in row, "the new name is stored encrypted too"


@pytest.mark.parametrize(
    "body",
    [{}, {"phone": None}, {"phone": "12"}, {"timezone": "Mars/Olympus"}, {"surprise": 1}],
    ids=["nothing", "drop-phone-with-consent", "bad-phone", "bad-zone", "unknown-field"],
)
async def test_an_update_that_would_leave_the_person_invalid_is_refused(
    client: httpx.AsyncClient, body: dict
) -> None:
    person = await register(client, chosen_name="Someone", phone=PHONE, sms_consent=True)
    response = await client.patch(
        f"/persons/{person['id']}", json=body, headers=token(CITY, "intake")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    unchanged = await client.get(f"/persons/{person['id']}/history", headers=token(CITY, "intake"))
    assert unchanged.json() == []


async def test_another_organisation_cannot_update_or_read_the_history(
    client: httpx.AsyncClient,
) -> None:
    person = await register(client, chosen_name="Someone")
    other = token(ASSOCIATION, "intake")
    patched = await client.patch(
        f"/persons/{person['id']}", json={"chosen_name": "X"}, headers=other
    )
    assert patched.status_code == 404
    assert (await client.get(f"/persons/{person['id']}/history", headers=other)).status_code == 404
