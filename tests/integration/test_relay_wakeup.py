"""The relay wakes on PostgreSQL's NOTIFY, not only on its poll."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from shared.kafka import KafkaPublisher
from shared.notify import listen_for_notifications
from shared.relay import OutboxRelay
from shared.testing import probe
from shared.testing.wait import eventually
from tests.integration.conftest import ProbeDb

pytestmark = pytest.mark.integration


async def published(db: ProbeDb) -> int:
    table = probe.outbox_table
    async with db.sessions() as session:
        query = select(func.count()).where(table.c.published_at.is_not(None))
        return int((await session.execute(query)).scalar_one())


async def test_a_committed_event_wakes_the_relay_through_notify(
    probe_db: ProbeDb, kafka_bootstrap: str, topic: str
) -> None:
    log = probe.outbox_log(topic)
    publisher = KafkaPublisher(kafka_bootstrap, client_id="notify-relay")
    # a poll so slow that only a notification can explain a prompt publication
    relay = OutboxRelay(probe_db.sessions, log, publisher, poll_interval=3600)
    stop, listening = asyncio.Event(), asyncio.Event()
    listener = listen_for_notifications(
        probe_db.url, log.channel, relay.wake, stop, listening=listening
    )
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(listener)]
    try:
        await asyncio.wait_for(listening.wait(), timeout=30)
        for expected in (3, 6):
            await probe.write_events(probe_db.sessions, log, 3, aggregates=1)
            await eventually(
                lambda: published(probe_db),
                lambda n, e=expected: n == e,
                timeout=60,
                what=f"{expected} published after NOTIFY",
            )
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await publisher.close()
