"""The relay wakes on PostgreSQL's NOTIFY, not only on its poll."""

from __future__ import annotations

import asyncio

import pytest

from shared.kafka import KafkaPublisher
from shared.notify import listen_for_notifications
from shared.relay import OutboxRelay
from tests.integration.conftest import ProbeDb
from tests.support import probe
from tests.support.wait import eventually, running

pytestmark = pytest.mark.integration


async def test_a_committed_event_wakes_the_relay_through_notify(
    probe_db: ProbeDb, kafka_bootstrap: str, topic: str
) -> None:
    log = probe.outbox_log(topic)
    publisher = KafkaPublisher(kafka_bootstrap, client_id="notify-relay")
    # a poll so slow that only a notification can explain a prompt publication
    relay = OutboxRelay(probe_db.sessions, log, publisher, poll_interval=3600)
    listening = asyncio.Event()

    async def listen(stop: asyncio.Event) -> None:
        await listen_for_notifications(
            probe_db.url, log.channel, relay.wake, stop, listening=listening
        )

    try:
        async with running(relay.run, listen):
            await asyncio.wait_for(listening.wait(), timeout=30)
            for _ in range(2):
                await probe.write_events(probe_db.sessions, log, 3, aggregates=1)
                await eventually(
                    lambda: probe.unpublished(probe_db.sessions),
                    lambda n: n == 0,
                    timeout=60,
                    what="published after NOTIFY",
                )
    finally:
        await publisher.close()
