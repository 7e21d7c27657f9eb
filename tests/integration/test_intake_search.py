"""Finding a person by name, part of a name or phone, through the blind index; duplicate
suggestions through the same index; on PostgreSQL and on SQLite (the embedded default)."""

from __future__ import annotations

import asyncio
import base64
import os
import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, func, select, text

from bench.person_search import seed
from services.intake.app import create_app
from services.intake.bootstrap import Intake, bootstrap
from services.intake.domain.search_keys import Blinder
from services.intake.handlers import index
from services.intake.models import PersonIndexEntry
from services.intake.settings import IntakeSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.crypto import MasterKey
from shared.migrations import upgrade
from tests.integration.conftest import token

pytestmark = pytest.mark.integration

CITY, ASSOCIATION = "city-montreuil", "assoc-la-cimade"
DESK = token(CITY, "intake", "caseworker")


def intake_settings(url: str) -> IntakeSettings:
    """Intake on `url`, with keys of its own."""
    return IntakeSettings(
        development=True,  # the development token secret
        database_url=url,
        master_key=base64.b64encode(os.urandom(32)).decode(),
        index_key=base64.b64encode(os.urandom(32)).decode(),
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )


@pytest.fixture(params=["postgresql", "sqlite"])
async def service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Intake]:
    """Intake in process on a fresh, migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    intake = bootstrap(intake_settings(url))
    await upgrade(intake.runtime.engine, intake.runtime.migrations)
    yield intake
    await intake.runtime.close()


@pytest.fixture
async def http(service: Intake) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(service))
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        yield client


async def register(
    http: httpx.AsyncClient, name: str, org: str = CITY, **body: object
) -> dict[str, object]:
    response = await http.post(
        "/persons", json={"chosen_name": name, **body}, headers=token(org, "intake")
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def found(
    http: httpx.AsyncClient, q: str, headers: dict[str, str] = DESK
) -> list[tuple[str, str]]:
    response = await http.get("/persons", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return [(item["chosen_name"], item["match"]) for item in response.json()["items"]]


async def test_a_person_is_found_by_part_of_a_name_another_spelling_or_a_phone(
    http: httpx.AsyncClient,
) -> None:
    await register(http, "Aminata Diallo", phone="+33612345678", birth_year=1990)
    await register(http, "Muhammad Ali Rahimi", other_names=["Mohamed Rahimi"])
    await register(http, "Amir Sow")

    assert await found(http, "amin") == [("Aminata Diallo", "prefix")]
    assert await found(http, "DIALLO aminata") == [("Aminata Diallo", "exact")]
    assert await found(http, "Aminata Dialo") == [("Aminata Diallo", "phonetic")]
    assert await found(http, "06 12 34 56 78") == [("Aminata Diallo", "phone")]
    assert await found(http, "0033 6 12 34 56 78") == [("Aminata Diallo", "phone")]
    assert await found(http, "Mohammed") == [("Muhammad Ali Rahimi", "phonetic")]
    assert await found(http, "rahimi mohamed") == [("Muhammad Ali Rahimi", "exact")]
    assert await found(http, "Fatou") == []
    # ties go to the newest registration; an exact word ranks above a prefix of a longer one
    assert await found(http, "ami") == [("Amir Sow", "prefix"), ("Aminata Diallo", "prefix")]
    await register(http, "Ami Traore")
    assert (await found(http, "ami"))[0] == ("Ami Traore", "exact")


async def test_a_search_line_gives_the_year_of_birth_to_tell_namesakes_apart(
    http: httpx.AsyncClient,
) -> None:
    await register(http, "Awa Ndiaye", birth_year=1990)
    await register(http, "Awa Ndiaye", birth_date="1985-06-01")
    await register(http, "Awa Ndiaye")
    response = await http.get("/persons", params={"q": "awa ndiaye"}, headers=DESK)
    years = sorted(str(item["birth_year"]) for item in response.json()["items"])
    assert years == ["1985", "1990", "None"]


async def test_search_pages_and_counts_every_match(http: httpx.AsyncClient) -> None:
    for i in range(5):
        await register(http, f"Fatoumata Camara {i}")
    first = await http.get("/persons", params={"q": "fatoumata", "limit": 2}, headers=DESK)
    rest = await http.get(
        "/persons", params={"q": "fatoumata", "limit": 2, "offset": 2}, headers=DESK
    )
    assert first.json()["total"] == rest.json()["total"] == 5
    names = [p["chosen_name"] for page in (first, rest) for p in page.json()["items"]]
    assert len(set(names)) == 4
    beyond = await http.get(
        "/persons", params={"q": "fatoumata", "limit": 2, "offset": 10}, headers=DESK
    )
    assert beyond.json()["items"] == []
    assert beyond.json()["total"] == 5


async def test_another_organisation_cannot_find_the_person(http: httpx.AsyncClient) -> None:
    await register(http, "Aminata Diallo", phone="+33612345678")
    theirs = token(ASSOCIATION, "intake")
    assert await found(http, "Aminata", theirs) == []
    assert await found(http, "06 12 34 56 78", theirs) == []
    coordinator = token(ASSOCIATION, "coordinator")
    assert await found(http, "Aminata", coordinator) == [("Aminata Diallo", "exact")]


async def test_erasure_deletes_the_index_rows_and_the_person_is_no_longer_found(
    http: httpx.AsyncClient, service: Intake
) -> None:
    person = await register(http, "Aminata Diallo", phone="+33612345678", birth_year=1990)
    assert await _rows(service, str(person["id"])) > 0
    erased = await http.post(f"/persons/{person['id']}/erasure", headers=DESK)
    assert erased.status_code == 200
    assert await _rows(service, str(person["id"])) == 0
    assert await found(http, "Aminata") == []
    assert await found(http, "06 12 34 56 78") == []


async def test_an_update_replaces_the_keys_a_person_is_found_by(http: httpx.AsyncClient) -> None:
    person = await register(http, "Aminata Diallo")
    changed = await http.patch(
        f"/persons/{person['id']}", json={"chosen_name": "Awa Keita"}, headers=DESK
    )
    assert changed.status_code == 200
    assert await found(http, "Aminata") == []
    assert await found(http, "keita") == [("Awa Keita", "exact")]


async def test_a_record_merged_away_is_found_as_the_person_it_was_merged_into(
    http: httpx.AsyncClient,
) -> None:
    survivor = await register(http, "Aminata Diallo", phone="+33612345678")
    duplicate = await register(http, "Aminata Dialo Bintou")
    merged = await http.post(
        f"/persons/{survivor['id']}/merges",
        json={"duplicate_id": duplicate["id"], "reason": "same person, seen at the desk"},
        headers=DESK,
    )
    assert merged.status_code == 201, merged.text
    assert await found(http, "bintou") == [("Aminata Diallo", "exact")]
    both = await http.get(
        "/persons", params={"q": "bintou", "include_merged": "true"}, headers=DESK
    )
    assert [p["id"] for p in both.json()["items"]] == [duplicate["id"]]


@pytest.mark.parametrize(
    ("q", "detail"), [("06 12 34", "phone"), ("?!", "letter"), ("", "q"), ("x" * 101, "q")]
)
async def test_a_query_that_cannot_be_searched_is_a_clear_422(
    http: httpx.AsyncClient, q: str, detail: str
) -> None:
    response = await http.get("/persons", params={"q": q}, headers=DESK)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.text


async def test_duplicates_are_suggested_through_the_index(http: httpx.AsyncClient) -> None:
    first = await register(http, "Aminata Diallo", phone="06 12 34 56 78", birth_year=1990)
    second = await register(http, "DIALLO Aminata", phone="+33612345678")
    third = await register(http, "Aminata Dialo", phone="0033612345678", birth_year=1991)
    older = await register(http, "Amina Diallo", birth_year=1960)
    assert [d["person_id"] for d in second["duplicates"]] == [first["id"]]
    assert {d["person_id"] for d in third["duplicates"]} == {first["id"], second["id"]}
    assert first["id"] not in {d["person_id"] for d in older["duplicates"]}
    theirs = await register(http, "Aminata Diallo", org=ASSOCIATION, phone="06 12 34 56 78")
    assert theirs["duplicates"] == []
    on_demand = await http.get(f"/persons/{first['id']}/duplicates", headers=DESK)
    assert {d["person_id"] for d in on_demand.json()} == {second["id"], third["id"]}


async def test_a_transliteration_with_a_y_for_an_i_is_found(http: httpx.AsyncClient) -> None:
    await register(http, "Mariam Haidari")
    assert await found(http, "MARYAM") == [("Mariam Haidari", "phonetic")]
    assert await found(http, "maryam haydari") == [("Mariam Haidari", "phonetic")]


async def test_persons_without_index_rows_are_indexed_again(
    http: httpx.AsyncClient, service: Intake
) -> None:
    # as after the migration that created the index: persons, but no rows yet
    await register(http, "Aminata Diallo", phone="+33612345678")
    async with service.runtime.sessions() as session, session.begin():
        await session.execute(delete(PersonIndexEntry))
    assert await found(http, "Aminata") == []
    assert await index.reindex(service.runtime.sessions, service.keys) == 1
    assert await index.reindex(service.runtime.sessions, service.keys) == 0
    assert await found(http, "Aminata") == [("Aminata Diallo", "exact")]


async def test_no_name_or_phone_is_stored_in_clear_in_the_index(
    http: httpx.AsyncClient, service: Intake
) -> None:
    await register(http, "Zyxwvu Canarynom", phone="+33612345678", birth_year=1990)
    async with service.runtime.sessions() as session:
        rows = (await session.execute(text("SELECT * FROM person_index"))).all()
    stored = " ".join(map(str, rows)).lower()
    for clear in ("zyxwvu", "canarynom", "canary", "612345678", "1990", "zyx"):
        assert clear not in stored


async def _rows(service: Intake, person_id: str) -> int:
    async with service.runtime.sessions() as session:
        query = select(func.count()).where(PersonIndexEntry.person_id == person_id)
        return int((await session.execute(query)).scalar_one())


SEEDED = 5_000
"""A city's file: enough persons that reading all of them in every registration, as intake
once did, holds SQLite's write lock past its 30 s timeout when 16 desks register at once."""


async def test_sixteen_desks_register_at_once_on_sqlite(tmp_path: Path) -> None:
    settings = intake_settings(f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}")
    intake = bootstrap(settings)
    await upgrade(intake.runtime.engine, intake.runtime.migrations)
    master = MasterKey.from_b64(settings.master_key.get_secret_value())
    blinder = Blinder(settings.index_key.get_secret_value().encode())
    await seed(intake.runtime.sessions, master, blinder, SEEDED, random.Random(16))
    transport = httpx.ASGITransport(app=create_app(intake))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as http:
            answers = await asyncio.gather(
                *(
                    http.post(
                        "/persons",
                        json={"chosen_name": f"Aminata Diallo {i}", "phone": "06 12 34 56 78"},
                        headers=token(CITY, "intake", user=f"desk-{i}"),
                    )
                    for i in range(16)
                )
            )
            assert [a.status_code for a in answers] == [201] * 16, answers[0].text
            listed = await http.get("/persons", params={"limit": 1}, headers=DESK)
            assert listed.json()["total"] == SEEDED + 16
            assert (await found(http, "06 12 34 56 78"))[0][1] == "phone"
    finally:
        await intake.runtime.close()
