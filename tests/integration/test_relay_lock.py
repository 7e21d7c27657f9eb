"""Two relays on one SQLite file (two processes of one service, say) would send every event
twice: the second stays idle while the first holds the file's relay lock, and says so."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from shared.db import create_engine, session_factory
from shared.kafka import KafkaPublisher, OutgoingMessage
from shared.relay import OutboxRelay
from tests.integration.kafka_tools import read_topic
from tests.support import probe
from tests.support.wait import eventually, running

pytestmark = pytest.mark.integration


class CountingPublisher:
    """The real publisher, counting what this relay handed it."""

    def __init__(self, publisher: KafkaPublisher) -> None:
        self.publisher = publisher
        self.sent = 0

    async def send(self, messages: Sequence[OutgoingMessage]) -> asyncio.Future[None]:
        self.sent += len(messages)
        return await self.publisher.send(messages)

    async def reset(self) -> None:
        await self.publisher.reset()


async def test_a_second_relay_on_the_same_sqlite_file_stays_idle_until_the_first_stops(
    tmp_path: Path, kafka_bootstrap: str, topic: str
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    engines = [create_engine(url), create_engine(url)]  # as two processes would open it
    await probe.create_schema(engines[0])
    sessions = session_factory(engines[0])
    log = probe.outbox_log(topic)
    publishers = [
        CountingPublisher(KafkaPublisher(kafka_bootstrap, client_id=f"relay-{i}")) for i in (1, 2)
    ]
    first, second = (
        OutboxRelay(session_factory(engine), log, publisher, poll_interval=0.05)
        for engine, publisher in zip(engines, publishers, strict=True)
    )
    written = await probe.write_events(sessions, log, 20, aggregates=4)

    async def all_published() -> None:
        await eventually(lambda: probe.unpublished(sessions), lambda n: n == 0, what="published")

    async with contextlib.AsyncExitStack() as cleanup:
        for publisher in publishers:
            cleanup.push_async_callback(publisher.publisher.close)
        for engine in engines:
            cleanup.push_async_callback(engine.dispose)
        logs = cleanup.enter_context(capture_logs())
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(running(first.run))
            await all_published()
            async with running(second.run):
                await eventually(
                    lambda: _events(logs),
                    lambda events: "outbox.relay_standby" in events,
                    what="the second relay standing by",
                )
                written += await probe.write_events(sessions, log, 20, aggregates=4, first=20)
                await all_published()
                assert publishers[1].sent == 0, "the second relay sent nothing"

                await stack.aclose()  # the first relay stops: its lock is released
                written += await probe.write_events(sessions, log, 20, aggregates=4, first=40)
                await all_published()
    standby = next(e for e in logs if e["event"] == "outbox.relay_standby")
    assert standby["lock"] == str(tmp_path / "service.db.relay.lock")
    assert "another relay" in standby["reason"]
    assert "outbox.relay_took_over" in await _events(logs)
    assert publishers[0].sent == 40
    assert publishers[1].sent == 20, "the second relay took over"

    on_kafka = Counter(
        r.headers["ce_id"].decode() for r in await read_topic(kafka_bootstrap, topic)
    )
    assert on_kafka == Counter({e.id: 1 for e in written}), "every event once, none twice"


async def _events(logs: list[dict[str, object]]) -> list[object]:
    return [entry["event"] for entry in logs]
