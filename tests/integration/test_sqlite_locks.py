"""SQLite's single write lock: a task never waits for a lock it holds itself, a long wait for
it is logged, and the sender settles every message it does not send, on SQLite as on
PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from structlog.testing import capture_logs

from services.notifications.bootstrap import Notifications, bootstrap
from services.notifications.handlers import messages
from services.notifications.models import KnownAppointment, Message
from services.notifications.sender import Sender
from services.notifications.settings import NotificationsSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.db import NestedTransaction, create_engine, session_factory
from shared.migrations import upgrade
from shared.outbox import Metadata

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)  # noon in Paris: no quiet hours


async def test_a_transaction_opened_inside_another_of_the_same_task_fails_at_once(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nested.db'}")
    sessions = session_factory(engine)
    try:
        async with sessions() as outer, outer.begin():
            await outer.execute(text("CREATE TABLE t (n INTEGER)"))
            with capture_logs() as logs, pytest.raises(NestedTransaction):
                async with sessions() as inner, inner.begin():
                    await inner.execute(text("INSERT INTO t VALUES (2)"))
            await outer.execute(text("INSERT INTO t VALUES (1)"))
        assert [e["event"] for e in logs] == ["db.nested_transaction"]
        # the outer one committed, and the task opens transactions again once it is closed
        async with sessions() as again, again.begin():
            assert (await again.execute(text("SELECT n FROM t"))).scalars().all() == [1]
    finally:
        await engine.dispose()


async def test_transactions_of_different_tasks_queue_for_the_lock(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}")
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(text("CREATE TABLE t (n INTEGER)"))

    async def write(n: int) -> None:
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})

    try:
        await asyncio.gather(*(write(n) for n in range(10)))
        async with sessions() as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 10
    finally:
        await engine.dispose()


async def test_a_long_wait_for_the_write_lock_is_logged_and_a_short_one_is_not(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'held.db'}", slow_lock=0.2)
    sessions = session_factory(engine)
    holding = asyncio.Event()

    async def hold() -> None:
        async with sessions() as session, session.begin():
            await session.execute(text("SELECT 1"))  # the first statement takes the lock
            holding.set()
            await asyncio.sleep(1.0)  # holds the lock (this is the fault), not waiting on it

    async def wait_for_the_lock() -> None:
        async with sessions() as session, session.begin():
            await session.execute(text("SELECT 1"))

    try:
        with capture_logs() as quick:
            await wait_for_the_lock()
        holder = asyncio.create_task(hold())
        await holding.wait()
        with capture_logs() as slow:
            await wait_for_the_lock()
        await holder
    finally:
        await engine.dispose()
    assert [e for e in quick if e["event"] == "db.lock_waited"] == []
    [waited] = [e for e in slow if e["event"] == "db.lock_waited"]
    assert waited["database"] == "held.db"
    assert waited["acquired"] is True
    assert waited["waited_seconds"] >= 0.2
    assert set(waited) == {"event", "log_level", "database", "waited_seconds", "acquired"}


@pytest.fixture(params=["sqlite", "postgresql"])
async def notifications(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Notifications]:
    """Notifications on a migrated database of either backend, its clock frozen at noon."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    settings = NotificationsSettings(
        development=True,  # the development token secret
        database_url=url,
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
        secret_key=base64.b64encode(os.urandom(32)).decode(),
        provider="file",
        file_path=tmp_path / "sms.jsonl",
    )
    service = bootstrap(settings)
    service.clock.set(NOW)
    await upgrade(service.runtime.engine, service.runtime.migrations)
    yield service
    await service.close()


async def queue(service: Notifications, *, appointment: str | None = None, **extra: str) -> str:
    """A reminder (or an answer to a number) due now; its id."""
    async with service.unit_of_work(Metadata(actor="test")) as uow:
        message = await messages.plan(
            uow.session,
            uow.record,
            key=f"test:{uuid.uuid4()}",
            kind="two_hours",
            revision=1,
            due_at=NOW,
            now=NOW,
            appointment_id=appointment,
            person_id=str(uuid.uuid4()) if appointment else None,
            organisation_id="city-montreuil",
            **extra,
        )
        assert message is not None
        await uow.commit()
    return message.id


async def cancelled_appointment(service: Notifications) -> str:
    appointment_id = str(uuid.uuid4())
    async with service.unit_of_work(Metadata(actor="test")) as uow:
        uow.session.add(
            KnownAppointment(
                appointment_id=appointment_id,
                case_id=str(uuid.uuid4()),
                person_id=str(uuid.uuid4()),
                organisation_id="city-montreuil",
                kind="prefecture",
                starts_at=NOW + timedelta(hours=3),
                timezone="Europe/Paris",
                place_enc="",
                revision=1,
                status="cancelled",
            )
        )
        await uow.commit()
    return appointment_id


async def test_every_message_not_sent_is_settled_in_one_round(
    notifications: Notifications,
) -> None:
    unknown = await queue(notifications, appointment=str(uuid.uuid4()))
    cancelled = await queue(notifications, appointment=await cancelled_appointment(notifications))
    unreadable = await queue(notifications, to_enc="not-a-sealed-number")

    with capture_logs() as logs:
        await Sender(notifications).tick()

    async with notifications.runtime.sessions() as session:
        found = {m: await session.get(Message, m) for m in (unknown, cancelled, unreadable)}
    outcome = {m: (found[m].status, found[m].reason) for m in found if found[m] is not None}
    assert outcome == {
        unknown: ("blocked", "no_appointment"),
        cancelled: ("cleared", "appointment_cancelled"),
        unreadable: ("queued", "prepare_failed"),  # given back, to try again later
    }
    assert found[unreadable] is not None
    assert found[unreadable].attempts == 0, "nothing was tried"
    assert not [e for e in logs if e["event"] in ("db.lock_waited", "db.nested_transaction")]
