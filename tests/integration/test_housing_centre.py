"""Housing's centre as data: the plan entered once, sites read as each organisation may see
them, rooms, beds and outages written by the operator only, and the database's own guarantee
that a bed is never given twice for one night, under concurrent transactions. PostgreSQL and
SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from services.housing.app import create_app
from services.housing.bootstrap import MIGRATIONS, bootstrap, load_centre
from services.housing.container import Housing
from services.housing.models import Bed, BedNight, Room, Site, metadata
from services.housing.settings import HousingSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.db import SessionFactory, create_engine, is_postgres, lock_waiters
from shared.migrations import upgrade
from tests.integration.conftest import token
from tests.support.infra import fresh_database
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
CITY, PARTNER = "city-montreuil", "assoc-x"
MANAGER = token(CITY, "caseworker", user="nadia")
CITY_DESK = token(CITY, "intake", user="omar")
PARTNER_STAFF = token(PARTNER, "intake", "caseworker", user="lea")
PARTNER_COORDINATOR = token(PARTNER, "coordinator", user="chloe")
AUDITOR = token(CITY, "auditor", user="anne")
SECRET_ADDRESS = "Adresse confidentielle"
PROBLEM = "application/problem+json"


@pytest.fixture(params=["sqlite", "postgresql"])
async def housing(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Housing]:
    """Housing on a fresh, migrated database of each kind, its clock frozen."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'housing.db'}"
        else:
            url = stack.enter_context(fresh_database(request.getfixturevalue("pg_server_url")))
        settings = HousingSettings(
            development=True, database_url=url, auth=AuthSettings(jwt_secret=DEV_JWT_SECRET)
        )
        service = bootstrap(settings)
        service.clock.set(NOW)
        await upgrade(service.runtime.engine, service.runtime.migrations)
        yield service
        await service.close()


@pytest.fixture
async def http(housing: Housing) -> AsyncIterator[httpx.AsyncClient]:
    """Housing's API in process, the plan entered."""
    await load_centre(housing)
    transport = httpx.ASGITransport(app=create_app(housing))
    async with httpx.AsyncClient(transport=transport, base_url="http://housing") as client:
        yield client


async def count(sessions: SessionFactory, query: Any) -> int:
    async with sessions() as session:
        return int((await session.execute(query)).scalar_one())


async def site_of(http: httpx.AsyncClient, confidential: bool) -> dict[str, Any]:
    sites = (await http.get("/sites", headers=MANAGER)).json()
    found: dict[str, Any] = next(s for s in sites if s["confidential"] is confidential)
    return found


async def a_bed(http: httpx.AsyncClient, confidential: bool = False) -> str:
    site = await site_of(http, confidential)
    detail = (await http.get(f"/sites/{site['id']}", headers=MANAGER)).json()
    return str(detail["rooms"][0]["beds"][0]["id"])


async def test_the_plan_is_entered_once_with_its_events(housing: Housing) -> None:
    sessions, outbox = housing.runtime.sessions, housing.runtime.outbox.table
    assert await load_centre(housing) == 2
    assert await load_centre(housing) == 0  # a second start adds nothing
    assert await count(sessions, select(func.count()).select_from(Site)) == 2
    assert await count(sessions, select(func.count()).select_from(Room)) == 12
    assert await count(sessions, select(func.count()).select_from(Bed)) == 44
    extra = select(func.count()).select_from(Bed).where(col(Bed.extra_block) == "winter-2026")
    assert await count(sessions, extra) == 6
    async with sessions() as session:
        types = (await session.execute(select(outbox.c.type))).scalars().all()
        addresses = (await session.execute(select(outbox.c.envelope))).scalars().all()
    assert types.count("housing.site_declared.v1") == 2
    assert types.count("housing.room_added.v1") == 12
    assert types.count("housing.bed_added.v1") == 44
    assert not any(SECRET_ADDRESS in envelope for envelope in addresses)


async def test_a_partner_sees_only_that_each_site_exists(http: httpx.AsyncClient) -> None:
    mine = {s["code"]: s for s in (await http.get("/sites", headers=CITY_DESK)).json()}
    assert mine["les-tilleuls"]["address"].startswith(SECRET_ADDRESS)
    assert mine["paul-eluard"]["bed_count"] == 29
    assert mine["paul-eluard"]["extra_bed_count"] == 6
    for caller in (PARTNER_STAFF, PARTNER_COORDINATOR):
        listed = await http.get("/sites", headers=caller)
        assert listed.status_code == 200
        assert SECRET_ADDRESS not in listed.text
        theirs = {s["code"]: s for s in listed.json()}
        for code in ("les-tilleuls", "paul-eluard"):  # confidential or not
            assert theirs[code]["restricted"] is True
            assert theirs[code]["address"] is None
            assert theirs[code]["bed_count"] is None
            detail = await http.get(f"/sites/{theirs[code]['id']}", headers=caller)
            unknown = await http.get(f"/sites/{uuid.uuid4()}", headers=caller)
            assert detail.status_code == unknown.status_code == 403  # the operator's only
            assert SECRET_ADDRESS not in detail.text
    shelter = await http.get(f"/sites/{mine['les-tilleuls']['id']}", headers=MANAGER)
    assert [room["label"] for room in shelter.json()["rooms"]] == ["T1", "T2", "T3"]


async def test_the_operator_adds_a_room_and_its_beds(http: httpx.AsyncClient) -> None:
    site = await site_of(http, confidential=False)
    added = await http.post(
        f"/sites/{site['id']}/rooms",
        headers=MANAGER,
        json={"label": "301", "kind": "single", "accessible": True},
    )
    assert added.status_code == 201, added.text
    room = added.json()
    bed = await http.post(f"/rooms/{room['id']}/beds", headers=MANAGER, json={"label": "301-1"})
    assert bed.status_code == 201, bed.text
    second = await http.post(f"/rooms/{room['id']}/beds", headers=MANAGER, json={"label": "B"})
    assert second.status_code == 409
    assert "single room holds one bed" in second.json()["detail"]
    again = await http.post(
        f"/sites/{site['id']}/rooms", headers=MANAGER, json={"label": "301", "kind": "family"}
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    detail = (await http.get(f"/sites/{site['id']}", headers=CITY_DESK)).json()
    (shown,) = [r for r in detail["rooms"] if r["label"] == "301"]
    assert shown["accessible"] is True
    assert [b["label"] for b in shown["beds"]] == ["301-1"]
    assert detail["room_count"] == 10
    assert detail["bed_count"] == 30


async def test_a_bed_of_extra_capacity_names_its_block_and_nights(http: httpx.AsyncClient) -> None:
    site = await site_of(http, confidential=False)
    room = (
        await http.post(
            f"/sites/{site['id']}/rooms", headers=MANAGER, json={"label": "G", "kind": "men_only"}
        )
    ).json()
    winter = {
        "label": "G-1",
        "extra_block": "cold-night",
        "extra_first_night": "2026-12-10",
        "extra_last_night": "2026-12-12",
    }
    added = await http.post(f"/rooms/{room['id']}/beds", headers=MANAGER, json=winter)
    assert added.status_code == 201, added.text
    assert added.json()["extra_block"] == "cold-night"
    half = {"label": "G-2", "extra_block": "cold-night"}
    refused = await http.post(f"/rooms/{room['id']}/beds", headers=MANAGER, json=half)
    assert refused.status_code == 422
    backwards = {**winter, "label": "G-3", "extra_last_night": "2026-12-01"}
    refused = await http.post(f"/rooms/{room['id']}/beds", headers=MANAGER, json=backwards)
    assert refused.status_code == 422
    assert "comes before" in refused.json()["detail"]


async def test_another_organisation_and_other_roles_are_refused_writes(
    http: httpx.AsyncClient,
) -> None:
    site = await site_of(http, confidential=False)
    bed = await a_bed(http)
    writes = [
        (
            f"/sites/{site['id']}/rooms",
            f"/sites/{uuid.uuid4()}/rooms",
            {"label": "X", "kind": "family"},
        ),
        (f"/rooms/{uuid.uuid4()}/beds", f"/rooms/{uuid.uuid4()}/beds", {"label": "X"}),
        (
            f"/beds/{bed}/outages",
            f"/beds/{uuid.uuid4()}/outages",
            {"first_night": "2026-12-07", "last_night": "2026-12-08", "reason": "broken"},
        ),
    ]
    for real, unknown, body in writes:
        for caller in (PARTNER_STAFF, PARTNER_COORDINATOR, CITY_DESK, AUDITOR):
            answer = await http.post(real, headers=caller, json=body)
            baseline = await http.post(unknown, headers=caller, json=body)
            assert answer.status_code == 403, (real, answer.text)
            assert baseline.status_code == 403
            assert answer.headers["content-type"] == PROBLEM
    outages = await http.get(f"/beds/{bed}/outages", headers=PARTNER_STAFF)
    assert outages.status_code == 403
    assert (await http.get("/sites", headers=AUDITOR)).status_code == 403
    detail = (await http.get(f"/sites/{site['id']}", headers=MANAGER)).json()
    assert detail["room_count"] == 9  # nothing was added


async def test_a_bed_out_of_service_is_listed_and_never_twice(
    http: httpx.AsyncClient, housing: Housing
) -> None:
    bed = await a_bed(http)
    body = {"first_night": "2026-12-07", "last_night": "2026-12-09", "reason": "dégât des eaux"}
    added = await http.post(f"/beds/{bed}/outages", headers=MANAGER, json=body)
    assert added.status_code == 201, added.text
    listed = await http.get(f"/beds/{bed}/outages", headers=CITY_DESK)
    assert listed.status_code == 200
    (outage,) = listed.json()
    assert (outage["first_night"], outage["last_night"]) == ("2026-12-07", "2026-12-09")
    assert outage["reason"] == "dégât des eaux"
    assert outage["added_by"] == "nadia"
    overlapping = {**body, "first_night": "2026-12-09", "last_night": "2026-12-11"}
    assert (
        await http.post(f"/beds/{bed}/outages", headers=MANAGER, json=overlapping)
    ).status_code == 409
    backwards = {**body, "first_night": "2026-12-20", "last_night": "2026-12-19"}
    assert (
        await http.post(f"/beds/{bed}/outages", headers=MANAGER, json=backwards)
    ).status_code == 422
    async with housing.runtime.sessions() as session, session.begin():
        session.add(night(bed, date(2026, 12, 24)))
    given = {**body, "first_night": "2026-12-20", "last_night": "2026-12-31"}
    refused = await http.post(f"/beds/{bed}/outages", headers=MANAGER, json=given)
    assert refused.status_code == 409
    assert "2026-12-24" in refused.json()["detail"]
    unknown = await http.post(f"/beds/{uuid.uuid4()}/outages", headers=MANAGER, json=body)
    assert unknown.status_code == 404
    events = housing.runtime.outbox.table
    async with housing.runtime.sessions() as session:
        types = (await session.execute(select(events.c.type, events.c.envelope))).all()
    recorded = [envelope for kind, envelope in types if kind == "housing.bed_out_of_service.v1"]
    assert len(recorded) == 1
    assert "dégât" not in recorded[0]  # the staff's reason stays in housing's table


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/sites/{site}/rooms", {"label": "Z", "kind": "dormitory"}),
        ("/sites/{site}/rooms", {"label": "", "kind": "family"}),
        ("/sites/{site}/rooms", {"label": "Z", "kind": "family", "floor": 2}),
        ("/sites/not-an-id/rooms", {"label": "Z", "kind": "family"}),
    ],
)
async def test_bad_input_is_a_422_naming_it(
    http: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    site = await site_of(http, confidential=False)
    answer = await http.post(path.format(site=site["id"]), headers=MANAGER, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM


def night(bed_id: str, on: date) -> BedNight:
    return BedNight(
        bed_id=bed_id, night=on, kind="offer", placement_id=str(uuid.uuid4()), created_at=NOW
    )


async def test_two_concurrent_transactions_never_give_one_bed_for_the_same_night(
    housing: Housing,
) -> None:
    await load_centre(housing)
    sessions, engine = housing.runtime.sessions, housing.runtime.engine
    async with sessions() as session:
        bed_id = (await session.execute(select(col(Bed.id)).limit(1))).scalar_one()
    on = date(2026, 12, 24)
    backend: list[int] = []

    async def second_offer() -> str:
        async with sessions() as session:
            try:
                async with session.begin():  # on SQLite, waits here for the first's lock
                    if is_postgres(engine):
                        pid = await session.execute(text("SELECT pg_backend_pid()"))
                        backend.append(pid.scalar_one())
                    session.add(night(bed_id, on))
                    await session.flush()  # on PostgreSQL, waits here for the first's commit
            except IntegrityError:
                return "refused"
        return "held"

    async def second_is_waiting() -> bool:
        if not is_postgres(engine):
            return lock_waiters(engine.sync_engine) > 0
        if not backend:
            return False
        async with engine.connect() as connection:
            waiting = await connection.execute(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": backend[0]},
            )
            return waiting.scalar_one_or_none() == "Lock"

    async with sessions() as first:
        await first.begin()
        first.add(night(bed_id, on))
        await first.flush()
        second = asyncio.create_task(second_offer())
        await eventually(second_is_waiting, bool, timeout=20, what="the second offer waiting")
        await first.commit()
    assert await asyncio.wait_for(second, 30) == "refused"
    held = select(func.count()).select_from(BedNight).where(col(BedNight.bed_id) == bed_id)
    assert await count(sessions, held) == 1
    async with sessions() as session, session.begin():  # the next night is free
        session.add(night(bed_id, date(2026, 12, 25)))


async def test_the_migration_builds_the_models_schema(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        await upgrade(engine, MIGRATIONS)
        await upgrade(engine, MIGRATIONS)  # a second start changes nothing
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []
