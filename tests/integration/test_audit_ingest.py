"""Audit's worker reads the services' topics from the start over the real Kafka, stores each
event once and verifies every chain as it goes: duplicates pass silently, a rewrite is a fork
at its first sequence, a missing event a gap, a checkpoint signed with another key a bad one,
a record that is no event a malformed one; other chains go on meanwhile. On PostgreSQL and
SQLite. The services' logs are written by the real `OutboxLog`, published keyed by subject."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from services.audit.app import create_app
from services.audit.bootstrap import bootstrap
from services.audit.container import Audit
from services.audit.models import ChainBreak, ChainHead, EventRef, StoredEvent, outbox_table
from services.audit.settings import AuditSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.checkpoints import SigningKey, checkpoint_type, new_private_base64
from shared.db import SessionFactory, create_engine, session_factory
from shared.events.base import Event
from shared.events.casework import CaseOpened
from shared.events.envelope import Envelope, canonical_json, chain_hash
from shared.events.intake import ConsentGiven
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.outbox import Metadata, OutboxLog
from tests.integration.in_process import databases
from tests.integration.kafka_tools import produce_raw
from tests.support import probe
from tests.support.wait import eventually, running

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class ServiceLog:
    """One service's event log, written by the real OutboxLog, published to its topic."""

    source: str
    topic: str
    log: OutboxLog
    sessions: SessionFactory
    key: SigningKey

    async def append(self, *events: Event, org: str = "asso-a") -> None:
        """Append the events, as the service's handlers would."""
        meta = Metadata(actor="worker-1", actororg=org)
        async with self.sessions() as session, session.begin():
            await self.log.append(session, [self.log.envelope(e, meta, now=NOW) for e in events])

    async def checkpoint(self, key: SigningKey | None = None) -> int:
        """Sign the chain head (with `key`, the service's own by default); its seq."""
        table = self.log.table
        async with self.sessions() as session, session.begin():
            head = (
                await session.execute(
                    select(table.c.seq, table.c.hash).order_by(table.c.seq.desc())
                )
            ).first()
            assert head is not None
            signed = (key or self.key).sign(self.source, head.seq, head.hash, NOW)
            data = {
                "head_seq": signed.head_seq,
                "head_hash": signed.head_hash,
                "signed_at": signed.signed_at.isoformat(),
                "key_id": signed.key_id,
                "signature": signed.signature,
            }
            envelope = Envelope(
                id=str(uuid.uuid4()),
                source=self.source,
                type=checkpoint_type(self.source),
                subject=self.source,
                time=NOW,
                data=data,
            )
            await self.log.append(session, [envelope])
        return int(head.seq) + 1

    async def rows(self, first: int = 1, last: int | None = None) -> list[tuple[str, bytes]]:
        """(key, envelope) of the rows from `first` to `last`, in seq order."""
        table = self.log.table
        query = select(table.c.key, table.c.envelope).where(table.c.seq >= first)
        if last is not None:
            query = query.where(table.c.seq <= last)
        async with self.sessions() as session:
            rows = (await session.execute(query.order_by(table.c.seq))).all()
        return [(row.key, row.envelope.encode()) for row in rows]

    async def rewrite_from(self, seq: int) -> None:
        """Edit the event at `seq` and re-chain every later one (what a forger would do)."""
        table = self.log.table
        async with self.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(table.c.seq, table.c.envelope).where(table.c.seq >= seq).order_by("seq")
                )
            ).all()
            prevhash = json.loads(rows[0].envelope)["prevhash"]
            for row in rows:
                wire = json.loads(row.envelope)
                if row.seq == seq:
                    wire["data"]["service"] = "forged"
                wire["prevhash"] = prevhash
                wire["hash"] = prevhash = chain_hash(prevhash, wire)
                await session.execute(
                    update(table)
                    .where(table.c.seq == row.seq)
                    .values(envelope=canonical_json(wire).decode(), hash=wire["hash"])
                )

    async def publish(self, bootstrap: str, first: int = 1, last: int | None = None) -> None:
        """Publish rows as the relay does: keyed by subject, in seq order."""
        await produce_raw(bootstrap, self.topic, await self.rows(first, last))


@dataclass
class World:
    audit: Audit
    logs: dict[str, ServiceLog]
    bootstrap: str

    async def count(self, query: Any) -> int:
        async with self.audit.runtime.sessions() as session:
            return int((await session.execute(query)).scalar_one())

    async def head(self, source: str) -> ChainHead | None:
        async with self.audit.runtime.sessions() as session:
            return await session.get(ChainHead, source)

    async def breaks(self) -> list[ChainBreak]:
        async with self.audit.runtime.sessions() as session:
            rows = await session.execute(select(ChainBreak).order_by(ChainBreak.seq))
            return list(rows.scalars())

    async def linked(self, source: str, seq: int) -> None:
        async def probe_head() -> int:
            head = await self.head(source)
            return head.linked_seq if head else 0

        await eventually(probe_head, lambda n: n >= seq, what=f"{source} linked to {seq}")

    async def broken(self, kind: str, count: int = 1) -> list[ChainBreak]:
        async def of_kind() -> list[ChainBreak]:
            return [b for b in await self.breaks() if b.kind == kind]

        return await eventually(of_kind, lambda found: len(found) >= count, what=f"{kind}s")


@contextlib.asynccontextmanager
async def audit_world(
    backend: str, pg_server_url: str, kafka_bootstrap: str, tmp_path: Path, workers: int = 1
) -> AsyncIterator[World]:
    """Two services' logs and audit ingesting their topics: `workers` ingestion workers
    (each its own Kafka consumer in audit's group, as replicas of the worker are)."""
    suffix = uuid.uuid4().hex[:10]
    logs: dict[str, ServiceLog] = {}
    for source in ("casework", "intake"):
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / source}-outbox.db")
        await probe.create_schema(engine)
        topic = f"{source}.{suffix}.events"
        log = OutboxLog(probe.outbox_table, source=source, topic=topic)
        key = SigningKey.from_base64("k1", new_private_base64())
        logs[source] = ServiceLog(source, topic, log, session_factory(engine), key)
    await ensure_topics(kafka_bootstrap, [log.topic for log in logs.values()], partitions=6)
    with databases(backend, pg_server_url, tmp_path, "audit") as (url,):
        settings = AuditSettings(
            development=True,
            database_url=url,
            auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
            kafka_bootstrap_servers=kafka_bootstrap,
            sources=list(logs),
            topics={source: log.topic for source, log in logs.items()},
            checkpoint_keys={s: {"k1": log.key.public_base64} for s, log in logs.items()},
            checkpoint={"dev_key_dir": str(tmp_path / "keys")},
            consumer_group_suffix=f".{suffix}",
            gap_grace_seconds=0.5,
            ingest_wait_ms=200,
        )
        audits = [bootstrap(settings) for _ in range(workers)]
        audit = audits[0]
        await upgrade(audit.runtime.engine, audit.runtime.migrations)
        try:
            async with running(*(one.runtime.jobs[-1] for one in audits)):
                yield World(audit, logs, kafka_bootstrap)
        finally:
            for one in audits:
                await one.close()
            for log in logs.values():
                await log.sessions.kw["bind"].dispose()


def opened(n: int) -> CaseOpened:
    return CaseOpened(
        case_id=f"case-{n}",
        person_id=f"person-{n % 3}",
        organisation_id="asso-a",
        service="legal",
        opened_at=NOW,
    )


def consent(n: int) -> ConsentGiven:
    return ConsentGiven(person_id=f"person-{n}", consent_id=f"c-{n}", purpose="sms", given_at=NOW)


async def chain_broken_events(audit: Audit) -> list[dict[str, Any]]:
    async with audit.runtime.sessions() as session:
        rows = await session.execute(
            select(outbox_table.c.envelope).where(outbox_table.c.type == "audit.chain_broken.v1")
        )
        return [json.loads(envelope)["data"] for (envelope,) in rows]


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_every_event_is_stored_once_though_delivered_twice(
    backend: str, pg_server_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    async with audit_world(backend, pg_server_url, kafka_bootstrap, tmp_path) as world:
        casework, intake = world.logs["casework"], world.logs["intake"]
        await casework.append(*(opened(n) for n in range(1, 31)))
        checkpoint = await casework.checkpoint()
        await intake.append(*(consent(n) for n in range(1, 11)))
        for _ in range(2):  # the relay published everything twice (a crash before marking)
            await casework.publish(world.bootstrap)
            await intake.publish(world.bootstrap)
        await world.linked("casework", 31)
        await world.linked("intake", 10)

        stored = select(func.count()).select_from(StoredEvent)
        assert await world.count(stored.where(StoredEvent.source == "casework")) == 31
        assert await world.count(stored.where(StoredEvent.source == "intake")) == 10
        assert await world.breaks() == []
        head = await world.head("casework")
        assert head is not None
        assert (head.events, head.checkpoint_seq, head.checkpoint_key_id) == (31, checkpoint, "k1")
        by_person = select(func.count()).where(
            EventRef.kind == "person", EventRef.ref == "person-1"
        )
        assert await world.count(by_person) == 10 + 1  # cases 1, 4, ..., 28 and one consent
        async with world.audit.runtime.sessions() as session:
            kept = await session.execute(select(StoredEvent.envelope).where(StoredEvent.seq == 5))
            texts = {text for (text,) in kept}
        assert {row[1].decode() for row in await casework.rows(5, 5)} <= texts  # byte for byte

        transport = httpx.ASGITransport(app=create_app(world.audit))
        async with httpx.AsyncClient(transport=transport, base_url="http://audit") as http:
            ready = (await http.get("/readyz")).json()
            metrics = (await http.get("/metrics")).text
        assert ready["status"] == "ready"
        assert ready["chains"]["casework"]["checkpoint"]["seq"] == checkpoint
        assert 'audit_events_stored_total{source="casework"} 31' in metrics


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_two_workers_share_the_topics_and_store_every_event_once_with_no_break(
    backend: str, pg_server_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Replicas of the worker: each source's topic is read whole by one of them (so each
    links its own chains), and together they store and link everything, once."""
    async with audit_world(backend, pg_server_url, kafka_bootstrap, tmp_path, workers=2) as world:
        casework, intake = world.logs["casework"], world.logs["intake"]
        await casework.append(*(opened(n) for n in range(1, 41)))
        checkpoint = await casework.checkpoint()
        await casework.append(*(opened(n) for n in range(41, 61)))
        await intake.append(*(consent(n) for n in range(1, 31)))
        await intake.checkpoint()
        await casework.publish(world.bootstrap)
        await intake.publish(world.bootstrap)
        await world.linked("casework", 61)
        await world.linked("intake", 31)

        stored = select(func.count()).select_from(StoredEvent)
        assert await world.count(stored.where(StoredEvent.source == "casework")) == 61
        assert await world.count(stored.where(StoredEvent.source == "intake")) == 31
        assert await world.breaks() == []
        head = await world.head("casework")
        assert head is not None
        assert (head.events, head.linked_seq, head.checkpoint_seq) == (61, 61, checkpoint)


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_a_rechained_rewrite_is_a_fork_at_its_first_sequence(
    backend: str, pg_server_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    async with audit_world(backend, pg_server_url, kafka_bootstrap, tmp_path) as world:
        casework, intake = world.logs["casework"], world.logs["intake"]
        await casework.append(*(opened(n) for n in range(1, 21)))
        await casework.publish(world.bootstrap)
        await world.linked("casework", 20)

        await casework.rewrite_from(12)
        await casework.publish(world.bootstrap, 12)
        await intake.append(*(consent(n) for n in range(1, 6)))
        await intake.publish(world.bootstrap)
        forks = await world.broken("fork", 20 - 12 + 1)  # each rewritten event
        await world.linked("intake", 5)  # the other chain goes on

        assert len(forks) == 9
        assert min(b.seq for b in forks) == 12
        assert all(b.source == "casework" and b.seq >= 12 for b in forks)
        first = next(b for b in forks if b.seq == 12)
        assert first.envelope is not None
        assert '"forged"' in first.envelope
        stored = select(StoredEvent.envelope).where(StoredEvent.source == "casework")
        async with world.audit.runtime.sessions() as session:
            texts = [text for (text,) in await session.execute(stored)]
        assert len(texts) == 20
        assert not any("forged" in text for text in texts)
        raised = await chain_broken_events(world.audit)
        assert {"source": "casework", "seq": 12, "kind": "fork"}.items() <= next(
            e for e in raised if e["seq"] == 12
        ).items()
        assert len(raised) == len(forks)  # one event per break, each recorded once

        transport = httpx.ASGITransport(app=create_app(world.audit))
        async with httpx.AsyncClient(transport=transport, base_url="http://audit") as http:
            ready = (await http.get("/readyz")).json()
        assert ready["status"] == "degraded"
        assert ready["chains"]["casework"]["status"] == "broken"
        assert ready["chains"]["intake"]["status"] == "ok"


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_gaps_bad_checkpoints_and_malformed_records_are_named_at_their_place(
    backend: str, pg_server_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    async with audit_world(backend, pg_server_url, kafka_bootstrap, tmp_path) as world:
        casework, intake = world.logs["casework"], world.logs["intake"]
        await casework.append(*(opened(n) for n in range(1, 11)))
        good = await casework.checkpoint()
        await casework.append(*(opened(n) for n in range(11, 16)))
        wrong = SigningKey.from_base64("k1", new_private_base64())  # the right id, another key
        bad = await casework.checkpoint(wrong)
        await casework.publish(world.bootstrap)

        await intake.append(*(consent(n) for n in range(1, 11)))
        await intake.publish(world.bootstrap, 1, 5)
        await produce_raw(world.bootstrap, intake.topic, [("x", b"not an envelope")])
        await intake.publish(world.bootstrap, 7)  # the event at 6 never reached Kafka

        gaps = await world.broken("gap")
        checkpoints = await world.broken("bad_checkpoint")
        malformed = await world.broken("malformed")
        await world.linked("intake", 10)
        await world.linked("casework", bad)

        assert [(b.source, b.seq) for b in gaps] == [("intake", 6)]
        assert [(b.source, b.seq) for b in checkpoints] == [("casework", bad)]
        assert "does not verify" in checkpoints[0].detail
        assert len(malformed) == 1
        assert "offset" in malformed[0].detail
        head = await world.head("casework")
        assert head is not None
        assert head.checkpoint_seq == good
        kinds = {(e["source"], e["kind"]) for e in await chain_broken_events(world.audit)}
        assert kinds == {("intake", "gap"), ("casework", "bad_checkpoint"), ("intake", "malformed")}
