"""Housing alone, in process, for the allocation tests (offers, holds, splits): a fresh,
migrated database of each kind with the demonstration plan entered and the clock frozen at
16:00 in Montreuil, its API, the city's staff, placements asked for, and what housing wrote
(bed-nights given, the outbox's events)."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from services.housing.app import create_app
from services.housing.bootstrap import bootstrap, load_centre
from services.housing.container import Housing
from services.housing.models import BedNight
from services.housing.settings import HousingSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.migrations import upgrade
from tests.integration.conftest import token
from tests.support.infra import fresh_database

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)  # 16:00 in Montreuil
TONIGHT = date(2026, 12, 6)
DEADLINE = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)  # 20:00 in Montreuil
CITY, PARTNER = "city-montreuil", "assoc-x"
CASEWORKER = token(CITY, "caseworker", user="nadia")
COORDINATOR = token(CITY, "coordinator", user="karim")
CITY_DESK = token(CITY, "intake", user="omar")
PARTNER_CASEWORKER = token(PARTNER, "caseworker", user="lea")
PARTNER_COORDINATOR = token(PARTNER, "coordinator", user="chloe")
PROBLEM = "application/problem+json"
ADULT_MAN = {"members": [{"age": 35, "sex": "m"}]}
FAMILY_OF_FOUR = {
    "members": [
        {"age": 38, "sex": "f"},
        {"age": 41, "sex": "m"},
        {"age": 8, "sex": "m"},
        {"age": 4, "sex": "f"},
    ]
}
FAMILY_QUERY = {"first_night": TONIGHT.isoformat(), "member": ["38f", "41m", "8m", "4f"]}
MAN_QUERY = {"first_night": TONIGHT.isoformat(), "member": ["35m"]}


@pytest.fixture(params=["sqlite", "postgresql"])
async def housing(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Housing]:
    """Housing on a fresh, migrated database of each kind, its plan entered, its clock frozen."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'housing.db'}"
        else:
            url = stack.enter_context(fresh_database(request.getfixturevalue("pg_server_url")))
        settings = HousingSettings(
            development=True,
            database_url=url,
            auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
            expiry_scan_seconds=0.05,  # the worker's job looks often; its clock is the service's
        )
        service = bootstrap(settings)
        service.clock.set(NOW)
        await upgrade(service.runtime.engine, service.runtime.migrations)
        await load_centre(service)
        yield service
        await service.close()


@pytest.fixture
async def http(housing: Housing) -> AsyncIterator[httpx.AsyncClient]:
    """Housing's API in process."""
    transport = httpx.ASGITransport(app=create_app(housing))
    async with httpx.AsyncClient(transport=transport, base_url="http://housing") as client:
        yield client


@pytest.fixture
def person_keys(housing: Housing, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Each person's key, as intake's key store would give it (made on first ask)."""
    keys: dict[str, bytes] = {}

    async def key(person_id: str) -> bytes:
        return keys.setdefault(person_id, os.urandom(32))

    monkeypatch.setattr(housing.keys, "key", key)
    return keys


async def rooms_by_label(
    http: httpx.AsyncClient, site: str = "paul-eluard"
) -> dict[str, dict[str, Any]]:
    """A site's rooms by label (the ordinary site unless named), with their beds."""
    sites = (await http.get("/sites", headers=CASEWORKER)).json()
    found = next(s for s in sites if s["code"] == site)
    detail = (await http.get(f"/sites/{found['id']}", headers=CASEWORKER)).json()
    return {room["label"]: room for room in detail["rooms"]}


async def a_placement(http: httpx.AsyncClient) -> dict[str, Any]:
    """A person's request for a place, asked for by the city's caseworker."""
    body = {"person_id": str(uuid.uuid4())}
    opened = await http.post("/placements", json=body, headers=CASEWORKER)
    assert opened.status_code == 201, opened.text
    return dict(opened.json())


async def offer(
    http: httpx.AsyncClient, room: dict[str, Any], household: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """An offer's body: a new placement, tonight, the beds chosen unless named."""
    body = {
        "placement_id": (await a_placement(http))["id"],
        "room_id": room["id"],
        "first_night": TONIGHT.isoformat(),
        "household": household,
    }
    return body | fields


async def given(housing: Housing) -> list[tuple[str, date, str, str]]:
    """Every bed-night given: bed, night, kind, placement."""
    async with housing.runtime.sessions() as session:
        rows = await session.execute(
            select(
                col(BedNight.bed_id),
                col(BedNight.night),
                col(BedNight.kind),
                col(BedNight.placement_id),
            ).order_by(col(BedNight.night), col(BedNight.bed_id))
        )
        return [(bed, night, kind, placement) for bed, night, kind, placement in rows.all()]


async def events(housing: Housing, kind: str) -> list[dict[str, Any]]:
    """The data of the outbox's events of one type, in order."""
    table = housing.runtime.outbox.table
    async with housing.runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.envelope).where(table.c.type == kind).order_by(table.c.seq)
        )
        return [json.loads(envelope)["data"] for envelope in rows.scalars()]
