"""The relay's failure paths on real PostgreSQL, with a publisher that fails on cue.

Kafka is replaced here only to decide which batch fails and when: a real broker cannot be
made to fail one batch while an earlier one is still in flight, deterministically.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import MessageSizeTooLargeError
from sqlalchemy import text

from shared.db import create_engine
from shared.kafka import KafkaPublisher, OutgoingMessage, PublisherFailed
from shared.leader import Leadership, LeadershipLost
from shared.relay import OutboxRelay
from tests.integration.conftest import ProbeDb
from tests.support import probe

pytestmark = pytest.mark.integration


class ScriptedPublisher:
    """Acknowledges batches late or fails them, as scripted; refuses sends after a failure."""

    def __init__(self, script: Sequence[str]) -> None:
        self.script = list(script)
        self.sent: list[list[int]] = []
        self.failed = False

    async def send(self, messages: Sequence[OutgoingMessage]) -> asyncio.Future[None]:
        if self.failed:
            raise PublisherFailed("an earlier send failed")
        self.sent.append([int(_seq(m)) for m in messages])
        outcome = self.script.pop(0) if self.script else "ack"
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if outcome == "fail":
            self.failed = True
            future.set_exception(PublisherFailed("broker refused the batch"))
        elif outcome == "late":
            asyncio.get_running_loop().call_later(0.2, future.set_result, None)
        else:
            future.set_result(None)
        return future

    async def reset(self) -> None:
        self.failed = False


def _seq(message: OutgoingMessage) -> int:
    return int(json.loads(message.value)["seq"])


async def test_a_failed_batch_stops_the_window_and_everything_goes_again_in_order(
    probe_db: ProbeDb,
) -> None:
    log = probe.outbox_log("probe.failing.events")
    await probe.write_events(probe_db.sessions, log, 50, aggregates=5)
    # batch 0 is acknowledged late; batch 1 fails while batch 0 is still in flight
    publisher = ScriptedPublisher(["late", "fail"])
    relay = OutboxRelay(probe_db.sessions, log, publisher, batch_size=10, window=3)

    with pytest.raises(PublisherFailed):
        await relay.relay_pending()
    assert publisher.sent == [list(range(1, 11)), list(range(11, 21))], "nothing after the failure"
    assert await probe.unpublished(probe_db.sessions) == 50, "the whole window is claimed again"

    assert await relay.relay_pending() == 50
    resent = [seq for batch in publisher.sent[2:] for seq in batch]
    assert resent == list(range(1, 51)), "from the earliest unpublished row, in order"
    assert await probe.unpublished(probe_db.sessions) == 0


async def test_leadership_is_fenced_when_its_connection_dies(probe_db: ProbeDb) -> None:
    engine = create_engine(probe_db.url)
    first, second = Leadership("probe"), Leadership("probe")
    try:
        async with first.hold(engine):
            assert first.held
            async with second.hold(engine):
                assert not second.held, "one leader at a time"
            async with probe_db.sessions() as session:
                await first.check(session)  # still ours
                pids = await session.execute(
                    text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND pid <> pg_backend_pid()"
                    )
                )
                await session.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": pids.scalar_one()}
                )
            async with probe_db.sessions() as session:
                with pytest.raises(LeadershipLost):
                    await first.check(session)
            async with second.hold(engine):
                assert second.held, "the standby takes over"
    finally:
        await engine.dispose()


async def test_the_publisher_refuses_to_send_after_a_failure_until_reset(
    kafka_bootstrap: str,
) -> None:
    topic = f"probe.small.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(topic, 1, 1, topic_configs={"max.message.bytes": "2048"})]
        )
    finally:
        await admin.close()
    publisher = KafkaPublisher(kafka_bootstrap, client_id="refusing")
    small = OutgoingMessage(topic=topic, key="a", value=b"small")
    too_big = OutgoingMessage(topic=topic, key="a", value=b"x" * 10_000)
    try:
        acked = await publisher.send([too_big])
        with pytest.raises(MessageSizeTooLargeError):
            await acked
        with pytest.raises(PublisherFailed):
            await publisher.send([small])
        await publisher.reset()
        await (await publisher.send([small]))
    finally:
        await publisher.close()
