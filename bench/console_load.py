"""C1's world: intake, casework and notifications in process on their own databases, loaded
through their handlers (a unit of work per batch), casework and notifications learning from the
others' events through their real consumers, handed over as Kafka would (one partition)."""

from __future__ import annotations

import base64
import json
import os
import random
import time
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, text

from bench.infra import progress
from bench.person_search import FIRST, LAST
from services.casework.app import create_app as casework_app
from services.casework.bootstrap import bootstrap as bootstrap_casework
from services.casework.container import Casework
from services.casework.handlers import appointments, cases, work
from services.casework.schemas.appointments import AppointmentCreate
from services.casework.schemas.cases import AssignmentUpdate, CaseCreate, TransitionCreate
from services.casework.schemas.work import TaskCreate
from services.casework.settings import CaseworkSettings
from services.intake.app import create_app as intake_app
from services.intake.bootstrap import bootstrap as bootstrap_intake
from services.intake.container import Intake
from services.intake.handlers import partners, persons, referrals
from services.intake.schemas.partners import PartnerCreate
from services.intake.schemas.persons import PersonCreate
from services.intake.schemas.referrals import ReferralCreate
from services.intake.settings import IntakeSettings
from services.notifications.app import create_app as notifications_app
from services.notifications.bootstrap import bootstrap as bootstrap_notifications
from services.notifications.container import Notifications
from services.notifications.settings import NotificationsSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings, Principal
from shared.consumer import ConsumerRunner
from shared.events.catalog import default_registry
from shared.kafka import IncomingRecord
from shared.migrations import upgrade
from shared.runtime import Runtime

NOW = datetime(2026, 3, 25, 9, 0, tzinfo=UTC)
"""A Wednesday morning: this week has appointments behind and ahead (every clock is set here)."""
TODAY = NOW.date()
ORG, OTHER = "city-montreuil", "assoc-y"
ME = Principal("city-desk", ORG, frozenset({"intake", "caseworker"}))
"""The benchmark's caseworker: a demo user the console's development sign-in offers."""
COLLEAGUES = 19
"""The other caseworkers of the organisation: the benchmark's has one case in twenty."""
BATCH = 25
"""Cases per transaction: SQLite's write lock is never held for long."""
PROCEDURES = {"cnda_appeal": (35, "appeal_lodged"), "domiciliation": (70, "granted")}
PROCEDURES["residence_first"] = (70, "application_filed")
"""Case type -> how many days back its first step may be, the status that meets its deadline."""


@dataclass
class World:
    """The three services, an HTTP client of each, and the consumers fed by hand."""

    intake: Intake
    casework: Casework
    notifications: Notifications
    runners: dict[str, ConsumerRunner]
    delivered: dict[str, int] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def client(self, service: str) -> httpx.AsyncClient:
        """A new in-process client of a service's API."""
        app = {
            "intake": lambda: intake_app(self.intake),
            "casework": lambda: casework_app(self.casework),
            "notifications": lambda: notifications_app(self.notifications),
        }[service]()
        transport = httpx.ASGITransport(app=app)
        return httpx.AsyncClient(transport=transport, base_url=f"http://{service}", timeout=30)

    async def close(self) -> None:
        """Release every service."""
        await self.notifications.close()
        await self.casework.close()
        await self.intake.runtime.close()


def _keys_http(intake: Intake) -> httpx.AsyncClient:
    """Intake's key store, in process."""
    transport = httpx.ASGITransport(app=intake_app(intake))
    return httpx.AsyncClient(transport=transport, base_url="http://intake")


def _runner(runtime: Runtime, consumer: str) -> ConsumerRunner:
    config = next(r.config for r in runtime.consumers if r.config.name == consumer)
    # never contacted: records are handed over directly
    return ConsumerRunner(
        config, default_registry(), runtime.sessions, "127.0.0.1:1", outbox=runtime.outbox
    )


async def open_world(urls: dict[str, str], tmp: str) -> World:
    """The three services on their databases (migrated), every clock at NOW."""
    auth = AuthSettings(jwt_secret=DEV_JWT_SECRET)
    master, index, phones = (base64.b64encode(os.urandom(32)).decode() for _ in range(3))
    intake = bootstrap_intake(
        IntakeSettings(
            development=True,
            database_url=urls["intake"],
            master_key=master,
            index_key=index,
            auth=auth,
        )
    )
    casework = bootstrap_casework(
        CaseworkSettings(development=True, database_url=urls["casework"], auth=auth),
        key_store_http=_keys_http(intake),
    )
    notifications = bootstrap_notifications(
        NotificationsSettings(
            development=True,
            database_url=urls["notifications"],
            auth=auth,
            secret_key=phones,
            provider="file",
            file_path=f"{tmp}/sms.jsonl",
        ),
        key_store_http=_keys_http(intake),
    )
    for service in (intake, casework, notifications):
        service.clock = lambda: NOW
        await upgrade(service.runtime.engine, service.runtime.migrations)
    runners = {
        "casework": _runner(casework.runtime, "casework.intake"),
        "contacts": _runner(notifications.runtime, "notifications.contacts"),
        "appointments": _runner(notifications.runtime, "notifications.appointments"),
    }
    return World(intake, casework, notifications, runners)


async def _hand_over(world: World, producer: Runtime, topic: str, runner: str) -> None:
    """Give a consumer the producer's events it has not seen, in the log's order."""
    table, since = producer.outbox.table, world.delivered.get(runner, 0)
    runner_of = world.runners[runner]
    while True:
        async with producer.sessions() as session:
            rows = await session.execute(
                select(table.c.seq, table.c.key, table.c.envelope)
                .where(table.c.seq > since)
                .order_by(table.c.seq)
                .limit(2_000)
            )
            page = rows.all()
        if not page:
            break
        # the types the consumer has no handler for change nothing: not worth the wait
        mine = [row for row in page if json.loads(row[2])["type"] in runner_of.config.handlers]
        await runner_of.handle_batch(
            [IncomingRecord(topic, 0, *row[:2], row[2].encode()) for row in mine]
        )
        since = page[-1][0]
    world.delivered[runner] = since


def _batches(count: int) -> Iterator[range]:
    for start in range(0, count, BATCH):
        yield range(start, min(start + BATCH, count))


async def _persons(world: World, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Register `count` persons, one in ten by the partner association; (id, organisation)."""
    staff = {org: Principal(f"desk-{org}", org, frozenset({"intake"})) for org in (ORG, OTHER)}
    registered = []
    for batch in _batches(count):
        async with world.intake.unit_of_work(ME) as uow:
            for n in batch:
                phone = f"+3366{rng.randrange(10**7):07d}"
                command = PersonCreate(
                    chosen_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    phone=phone,
                    birth_year=rng.randint(1950, 2008),
                    sms_consent=rng.random() < 0.6,
                )
                org = OTHER if n % 10 == 9 else ORG
                person = await persons.register_person(
                    uow, world.intake.keys, command, staff[org], NOW
                )
                registered.append((person.id, org))
                if org == ORG:
                    world.phones.append(phone)
            await uow.commit()
    return registered


async def _referrals(world: World, registered: list[tuple[str, str]], count: int) -> None:
    """The association refers `count` of its persons to the city's legal service: pending."""
    coordinator = Principal("coordinator-y", OTHER, frozenset({"coordinator"}))
    async with world.intake.unit_of_work(coordinator) as uow:
        await partners.register_partner(
            uow,
            PartnerCreate(
                id=ORG, name="Ville de Montreuil", services=["legal_support", "administrative_help"]
            ),
            NOW,
        )
        theirs = [person for person, org in registered if org == OTHER][:count]
        for person_id in theirs:
            command = ReferralCreate(
                partner_id=ORG,
                service="legal_support",
                override_reason="urgent appeal, consent recorded on paper",
            )
            await referrals.request_referral(uow, person_id, command, coordinator, NOW)
        await uow.commit()


def _assignee(rng: random.Random, org: str) -> str:
    if org != ORG:
        return "worker-y"
    mine = rng.randrange(COLLEAGUES + 1) == 0
    return ME.user_id if mine else f"caseworker-{rng.randrange(COLLEAGUES):02d}"


async def _one_case(
    world: World, uow: Any, rng: random.Random, person_id: str, org: str
) -> tuple[str, str]:
    """Open, assign and maybe move one case along; add a task or an appointment."""
    who = Principal(f"desk-{org}", org, frozenset({"caseworker"}))
    case_type = rng.choice(list(PROCEDURES))
    back, meets = PROCEDURES[case_type]
    on = TODAY - timedelta(days=rng.randint(0, back))
    command = CaseCreate(person_id=person_id, case_type=case_type, on=on)
    cw = world.casework
    case = await cases.open_case(uow, cw.procedures, cw.rules, command, who, NOW)
    assignee = _assignee(rng, org)
    await cases.assign(uow, case.id, AssignmentUpdate(assignee=assignee, version=1), who, NOW)
    if (TODAY - on).days > 20 and rng.random() < 0.7:
        moved = min(TODAY, on + timedelta(days=rng.randint(5, 20)))
        step = TransitionCreate(to=meets, on=moved, version=case.version)
        await cases.move(uow, cw.procedures, cw.rules, case.id, step, who, NOW)
    if rng.random() < (1.0 if assignee == ME.user_id else 0.5):
        due = TODAY + timedelta(days=rng.randint(-10, 30))
        task = TaskCreate(title="Rappeler au sujet du dossier", due_on=due)
        await work.add_task(uow, cw.keys, case.id, task, who, NOW)
    if rng.random() < 0.4:
        starts = NOW + timedelta(minutes=rng.randint(30, 60 * 24 * 60))
        meeting = AppointmentCreate(
            kind="lawyer", starts_at=starts, place="Permanence juridique, 2 rue de Paris"
        )
        await appointments.schedule(uow, cw.keys, case.id, meeting, who, NOW)
    return case.id, assignee


async def _cases(
    world: World, registered: list[tuple[str, str]], count: int, rng: random.Random
) -> int:
    """Open `count` cases spread over the persons (by their organisation); the caseworker's."""
    owners = [registered[n % len(registered)] for n in range(count)]
    rng.shuffle(owners)
    mine = 0
    for batch in _batches(count):
        async with world.casework.unit_of_work(ME) as uow:
            for n in batch:
                _case, assignee = await _one_case(world, uow, rng, *owners[n])
                mine += assignee == ME.user_id
            await uow.commit()
    return mine


async def _timed(world: World, phase: str, work: Awaitable[Any]) -> Any:
    mark = time.perf_counter()
    done = await work
    world.timings[f"{phase}_s"] = time.perf_counter() - mark
    progress(f"C1: {phase} ({world.timings[f'{phase}_s']:.0f}s)")
    return done


async def load(world: World, persons: int, cases_count: int, seed: int = 11) -> dict[str, Any]:
    """Persons, pending referrals and cases, each service learning from the others' events."""
    rng, started = random.Random(seed), time.perf_counter()
    intake, casework = world.intake.runtime, world.casework.runtime
    registered = await _timed(world, "persons", _persons(world, persons, rng))
    await _timed(world, "referrals", _referrals(world, registered, max(3, persons // 150)))
    for runner in ("casework", "contacts"):
        await _timed(world, f"{runner}_learn", _hand_over(world, intake, "intake.events", runner))
    mine = await _timed(world, "cases", _cases(world, registered, cases_count, rng))
    plan = _hand_over(world, casework, "casework.events", "appointments")
    await _timed(world, "reminders_plan", plan)
    for service in (world.intake, world.casework, world.notifications):
        async with service.runtime.engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    world.timings["load_s"] = time.perf_counter() - started
    progress(f"C1: {mine} cases of the caseworker; loaded in {world.timings['load_s']:.0f}s")
    return {"persons": persons, "cases": cases_count, "mine": mine, **world.timings}
