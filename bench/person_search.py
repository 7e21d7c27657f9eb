"""S1: finding a person at a city's scale: registration and search p95 at 1k, 10k and 50k.

Intake runs in process on each database; persons are seeded in bulk with real encryption
(a data key each, wrapped by the master key) and real blind-index rows, then registrations
(with their duplicate suggestions) and searches go through the HTTP API one at a time. The
figure to read is p95 at 50k over p95 at 1k: flat is near 1, linear would be near 50."""

from __future__ import annotations

import base64
import math
import os
import random
import statistics
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.infra import Servers, progress
from services.intake.app import create_app
from services.intake.bootstrap import bootstrap
from services.intake.domain import profiles
from services.intake.domain.search_keys import Blinder, indexed_terms
from services.intake.models import Person, PersonIndexEntry, PersonKey
from services.intake.schemas.persons import PersonCreate
from services.intake.settings import IntakeSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings, mint_token
from shared.crypto import MasterKey, generate_key
from shared.db import SessionFactory
from shared.migrations import upgrade
from tests.support.infra import fresh_database

SIZES = (1_000, 10_000, 50_000)
ORG = "city-montreuil"
FIRST = (
    "Aminata", "Fatoumata", "Mariama", "Ibrahima", "Mamadou", "Moussa", "Awa", "Kadiatou",
    "Mohamed", "Ahmed", "Fatima", "Youssef", "Khadija", "Omar", "Aisha", "Hassan",
    "Mariya", "Olena", "Dmytro", "Oksana", "Andriy", "Iryna", "Sergei", "Natalia",
    "Ali", "Zahra", "Reza", "Farid", "Leila", "Karim", "Samir", "Nadia",
    "Tesfaye", "Meron", "Dawit", "Selam", "Jean", "Marie", "Grace", "Emmanuel",
    "Ngoc", "Thanh", "Minh", "Lan", "Precious", "Blessing", "Chinedu", "Ngozi",
)  # fmt: skip
LAST = (
    "Diallo", "Traore", "Kone", "Camara", "Keita", "Sow", "Bah", "Barry", "Cisse", "Toure",
    "El Amrani", "Benali", "Haddad", "Mansour", "Nasser", "Rahimi", "Ahmadi", "Hosseini",
    "Karimi", "Popescu", "Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Melnyk",
    "Ivanova", "Petrov", "Haile", "Tesfaye", "Gebremedhin", "Nguyen", "Tran", "Pham",
    "Okafor", "Adeyemi", "Mensah", "Mukendi", "Kabila", "Ngoy", "Mbala",
)  # fmt: skip


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _phone(rng: random.Random) -> str:
    return f"+3366{rng.randrange(10**7):07d}"  # 066: a range of valid French mobiles


def _person_rows(
    master: MasterKey, blinder: Blinder, rng: random.Random, now: datetime
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """One person's row, wrapped key and index rows, as registration would write them."""
    person_id, data_key = str(uuid.uuid4()), generate_key()
    command = PersonCreate(
        chosen_name=_name(rng), phone=_phone(rng), birth_year=rng.randint(1950, 2008)
    )
    person = {
        "id": person_id,
        "organisation_id": ORG,
        "chosen_name_enc": profiles.seal_name(data_key, person_id, command.chosen_name),
        "profile_enc": profiles.seal(data_key, person_id, command),
        "registered_at": now,
        "registered_by": "bench",
        "timezone": command.timezone,
        "sms_consent": False,
    }
    key = {
        "person_id": person_id,
        "wrapped_key": master.wrap(data_key, person_id),
        "created_at": now,
    }
    terms = indexed_terms([command.chosen_name], command.phone, command.birth_year)
    entries = [
        {"kind": kind.value, "digest": blinder.digest((kind, value)), "person_id": person_id}
        for kind, value in terms
    ]
    return person, key, entries


async def seed(
    sessions: SessionFactory,
    master: MasterKey,
    blinder: Blinder,
    count: int,
    rng: random.Random,
    *,
    chunk: int = 2_000,
) -> None:
    """Add `count` persons of ORG straight into intake's tables, a chunk per transaction."""
    now = datetime.now(UTC)
    for start in range(0, count, chunk):
        rows = [_person_rows(master, blinder, rng, now) for _ in range(min(chunk, count - start))]
        async with sessions() as session, session.begin():
            await session.execute(insert(Person), [person for person, _k, _e in rows])
            await session.execute(insert(PersonKey), [key for _p, key, _e in rows])
            await session.execute(insert(PersonIndexEntry), [e for _p, _k, es in rows for e in es])


def p95(values: Sequence[float]) -> float:
    """The 95th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def _timed(call: Any) -> float:
    started = time.perf_counter()
    response = await call
    elapsed = time.perf_counter() - started
    if response.status_code not in (200, 201):
        raise RuntimeError(f"intake answered {response.status_code}: {response.text[:200]}")
    return elapsed * 1000


async def _measure(http: httpx.AsyncClient, rng: random.Random, samples: int) -> dict[str, float]:
    jwt = mint_token(DEV_JWT_SECRET, user_id="desk", org=ORG, roles=("intake",))
    headers = {"Authorization": f"Bearer {jwt}"}
    registrations = []
    for _ in range(samples):
        body = {
            "chosen_name": _name(rng),
            "phone": _phone(rng),
            "birth_year": rng.randint(1950, 2008),
        }
        registrations.append(await _timed(http.post("/persons", json=body, headers=headers)))
    searches = []
    for i in range(samples):
        query = [_name(rng), rng.choice(LAST)[:4], rng.choice(FIRST).lower(), "06 12 34 56 78"][
            i % 4
        ]
        searches.append(await _timed(http.get("/persons", params={"q": query}, headers=headers)))
    return {
        "registration_p95_ms": p95(registrations),
        "registration_median_ms": statistics.median(registrations),
        "search_p95_ms": p95(searches),
        "search_median_ms": statistics.median(searches),
    }


async def run_on(url: str, backend: str, sizes: Sequence[int], samples: int) -> dict[str, Any]:
    """Seed up to each size in turn on one database and measure there."""
    master_b64 = base64.b64encode(os.urandom(32)).decode()
    index_key = base64.b64encode(os.urandom(32)).decode()
    settings = IntakeSettings(
        development=True,  # the development token secret signs the bench's requests
        database_url=url,
        master_key=master_b64,
        index_key=index_key,
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )
    intake = bootstrap(settings)
    rng = random.Random(9)
    master, blinder = MasterKey.from_b64(master_b64), Blinder(index_key.encode())
    figures: dict[str, Any] = {}
    try:
        await upgrade(intake.runtime.engine, intake.runtime.migrations)
        transport = httpx.ASGITransport(app=create_app(intake))
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as http:
            seeded = 0
            for size in sizes:
                started = time.perf_counter()
                await seed(intake.runtime.sessions, master, blinder, size - seeded, rng)
                await _analyze(intake.runtime.engine)
                progress(
                    f"S1 {backend}: seeded {size:,} persons ({time.perf_counter() - started:.1f}s)"
                )
                figures[str(size)] = await _measure(http, rng, samples)
                seeded = size + samples  # the registrations measured are persons too
                progress(f"S1 {backend} at {size:,}: {_line(figures[str(size)])}")
    finally:
        await intake.runtime.close()
    first, last = figures[str(sizes[0])], figures[str(sizes[-1])]
    figures["ratio_registration_p95"] = last["registration_p95_ms"] / first["registration_p95_ms"]
    figures["ratio_search_p95"] = last["search_p95_ms"] / first["search_p95_ms"]
    return figures


async def _analyze(engine: AsyncEngine) -> None:
    # a bulk load leaves the planner's statistics behind (a city's file grows slowly, and
    # PostgreSQL's autovacuum keeps them current): measure the steady state
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


def _line(figures: dict[str, float]) -> str:
    return (
        f"registration p95 {figures['registration_p95_ms']:.1f} ms "
        f"(median {figures['registration_median_ms']:.1f}), "
        f"search p95 {figures['search_p95_ms']:.1f} ms (median {figures['search_median_ms']:.1f})"
    )


async def run(
    where: Servers, tmp_dir: str, *, sizes: Sequence[int], samples: int, backends: Sequence[str]
) -> dict[str, Any]:
    """The figures on each backend: SQLite (the embedded default) and PostgreSQL."""
    result: dict[str, Any] = {
        "benchmark": "S1",
        "what": "intake registration and search p95 (ms) by number of persons",
        "params": {"sizes": list(sizes), "samples": samples},
        "backends": {},
    }
    for backend in backends:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_dir}/intake-{uuid.uuid4().hex[:8]}.db"
            result["backends"][backend] = await run_on(url, backend, sizes, samples)
        else:
            with fresh_database(where.server_url) as url:
                result["backends"][backend] = await run_on(url, backend, sizes, samples)
    return result


def format_table(result: dict[str, Any]) -> str:
    """Registration and search p95 side by side for each size, and the ratio 50k / 1k."""
    sizes = [str(size) for size in result["params"]["sizes"]]
    lines = [f"S1  {result['what']}"]
    for backend, figures in result["backends"].items():
        for what in ("registration", "search"):
            cells = "  ".join(f"{int(s):>6,}: {figures[s][f'{what}_p95_ms']:7.1f}" for s in sizes)
            ratio = figures[f"ratio_{what}_p95"]
            lines.append(
                f"    {backend:<10} {what:<12} p95 ms  {cells}   {sizes[-1]}/{sizes[0]} {ratio:.2f}"
            )
    return "\n".join(lines)
