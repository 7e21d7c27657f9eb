"""End to end, tampering with a service's event log is reported by audit at its exact place:
an edited and re-chained event, a log cut after a checkpoint, a checkpoint signed with a key
audit does not know. Each is seen by audit's worker (/readyz: the breaks and the chain
"broken") and by `python -m services.audit replay` (exit 1, the break in its table). Real
intake, casework and audit processes on topics of their own, real Kafka, on PostgreSQL.

The tests run in order on one system, each on its own source or its own sequences."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData, Table, delete, update

from shared.checkpoints import checkpoint_type
from shared.db import create_engine
from shared.events.envelope import canonical_json, chain_hash
from tests.e2e.audit_world import (
    Key,
    auditing,
    breaks_printed,
    isolated,
    outbox,
    replay,
    signing_key,
)
from tests.e2e.services import MASTER_KEY, ServiceProcess, running, token
from tests.support.infra import fresh_database
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

CITY = "city-montreuil"
DESK = token(CITY, "intake", "caseworker", user="sami")
CITY_CASEWORKER = token(CITY, "caseworker", user="lea")
SOURCES = ("intake", "casework")
READS = "personal_data_read"


@dataclass
class System:
    intake: ServiceProcess
    casework: ServiceProcess
    audit: ServiceProcess
    keys: dict[str, Key]


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, pg_server_url: str) -> Iterator[System]:
    log_dir = Path(os.environ["PASSERELLE_TEST_LOG_DIR"])
    prefix = f"e2e-tamper-{uuid.uuid4().hex[:8]}."
    keys = {source: signing_key(source) for source in SOURCES}
    with (
        fresh_database(pg_server_url) as intake_db,
        fresh_database(pg_server_url) as case_db,
        fresh_database(pg_server_url) as audit_db,
    ):
        intake = ServiceProcess(
            "intake",
            intake_db,
            kafka_bootstrap,
            log_dir,
            extra_env={"INTAKE_MASTER_KEY": MASTER_KEY},
        )
        casework = ServiceProcess(
            "casework",
            case_db,
            kafka_bootstrap,
            log_dir,
            extra_env={"CASEWORK_KEY_STORE__URL": intake.url},
        )
        isolated(intake, prefix, keys["intake"])
        isolated(casework, prefix, keys["casework"])
        audit = auditing(audit_db, kafka_bootstrap, log_dir, intake, keys, prefix)
        with running(intake, casework, audit):
            yield System(intake, casework, audit, keys)


async def readyz(system: System) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=system.audit.url, timeout=30) as audit:
        return dict((await audit.get("/readyz")).json())


def breaks_of(ready: dict[str, Any], source: str) -> set[tuple[int, str]]:
    """(seq, kind) of the source's breaks /readyz lists."""
    return {(b["seq"], b["kind"]) for b in ready["breaks"] if b["source"] == source}


async def settled(system: System, service: ServiceProcess) -> list[dict[str, Any]]:
    """The service's log once its head is a checkpoint, all of it published and stored by
    audit (stopping then writes nothing more: there is nothing new to sign)."""

    async def log_and_head() -> tuple[list[dict[str, Any]], int]:
        log = await outbox(service.database_url)
        return log, (await readyz(system))["chains"][service.name]["stored_seq"]

    def done(found: tuple[list[dict[str, Any]], int]) -> bool:
        log, stored = found
        head = log[-1]
        signed = head["type"] == checkpoint_type(service.name)
        return signed and all(e["published"] for e in log) and stored == head["seq"]

    log, _ = await eventually(
        log_and_head, done, timeout=60, what=f"{service.name}'s log signed and stored by audit"
    )
    return log


async def registered(count: int, system: System) -> list[str]:
    """`count` persons registered at the city's desk."""
    async with httpx.AsyncClient(base_url=system.intake.url, timeout=30) as intake:
        ids = []
        for n in range(count):
            body = {"chosen_name": f"Tamper Person {n}"}
            answer = await intake.post("/persons", json=body, headers=DESK)
            assert answer.status_code == 201, answer.text
            ids.append(str(answer.json()["id"]))
    return ids


async def a_case(system: System) -> str:
    """A case the city opens for a person it registered, then assigns: casework's events."""
    [person_id] = await registered(1, system)
    async with httpx.AsyncClient(base_url=system.casework.url, timeout=30) as casework:
        body = {"person_id": person_id, "case_type": "cnda_appeal", "on": "2026-03-02"}
        opened = await eventually(
            lambda: casework.post("/cases", json=body, headers=CITY_CASEWORKER),
            lambda r: r.status_code == 201,
            timeout=60,
            what="the case opened (casework knows the person)",
        )
        case = opened.json()
        assigned = await casework.put(
            f"/cases/{case['id']}/assignee",
            json={"assignee": "lea", "version": case["version"]},
            headers=CITY_CASEWORKER,
        )
        assert assigned.status_code == 200, assigned.text
    return str(case["id"])


async def rewrite(database_url: str, log: list[dict[str, Any]], edited_seq: int) -> None:
    """Edit one event (its actor) and re-chain every later one, as a forger with the database
    would: each prevhash and hash recomputed, and each marked unpublished so that the relay
    publishes the rewritten tail again."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            table = await outbox_table(connection)
            prevhash = next(e["hash"] for e in log if e["seq"] == edited_seq - 1)
            for envelope in (e for e in log if e["seq"] >= edited_seq):
                wire = {k: v for k, v in envelope.items() if k not in ("hash", "published")}
                if wire["seq"] == edited_seq:
                    wire["actor"] = "mallory"
                wire["prevhash"] = prevhash
                wire["hash"] = prevhash = chain_hash(prevhash, wire)
                await connection.execute(
                    update(table)
                    .where(table.c.seq == wire["seq"])
                    .values(
                        envelope=canonical_json(wire).decode(), hash=wire["hash"], published_at=None
                    )
                )
    finally:
        await engine.dispose()


async def cut(database_url: str, after: int) -> None:
    """Delete every row of the log past `after`."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            table = await outbox_table(connection)
            await connection.execute(delete(table).where(table.c.seq > after))
    finally:
        await engine.dispose()


async def outbox_table(connection: Any) -> Table:
    metadata = MetaData()
    await connection.run_sync(lambda sync: metadata.reflect(sync, only=["outbox"]))
    return metadata.tables["outbox"]


async def reported(system: System, source: str, *expected: tuple[int, str]) -> dict[str, Any]:
    """/readyz once it lists every expected break of the source."""
    return await eventually(
        lambda: readyz(system),
        lambda ready: set(expected) <= breaks_of(ready, source),
        timeout=90,
        interval=0.5,
        what=f"audit reports {expected} in {source}'s chain",
    )


async def test_an_edited_and_rechained_event_is_a_fork_at_its_exact_sequence(
    system: System,
) -> None:
    await a_case(system)
    log = await settled(system, system.casework)
    assert system.casework.stop() == 0
    assert await outbox(system.casework.database_url) == log
    checkpoint = checkpoint_type("casework")
    edited = max(e["seq"] for e in log if e["type"] != checkpoint and READS not in e["type"])
    signed = [e["seq"] for e in log if e["type"] == checkpoint and e["seq"] > edited]
    assert signed, "a checkpoint signs a head after the edited event"
    ready = await readyz(system)
    assert ready["chains"]["casework"]["status"] == "ok"
    assert breaks_of(ready, "casework") == set()

    await rewrite(system.casework.database_url, log, edited)
    system.casework.start()  # its relay publishes the rewritten tail
    rewritten = {e["seq"] for e in log if e["seq"] >= edited}
    ready = await reported(system, "casework", *((seq, "fork") for seq in rewritten))
    forks = {seq for seq, kind in breaks_of(ready, "casework") if kind == "fork"}
    assert min(forks) == edited, "nothing before the edited event is reported"
    assert forks == rewritten, "each rewritten event, and no other"
    assert ready["chains"]["casework"]["status"] == "broken"
    assert ready["status"] == "degraded"
    assert "casework" in {b["source"] for b in ready["breaks"] if b["seq"] == edited}

    replayed = replay(system.audit, "--source", "casework")
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert ("casework", edited, "fork") in breaks_printed(replayed.stdout), replayed.stdout


async def test_a_log_cut_after_a_checkpoint_is_reported_at_the_sequences_used_again(
    system: System,
) -> None:
    """Intake's last 10 rows are deleted after audit stored them, a checkpoint among them. The
    log left verifies on its own (`verify-log`: it is a valid, shorter chain), but the service
    writes its next events, and its next checkpoint, at the sequences it lost: audit holds the
    events first published there, so each is a fork at its sequence (the new checkpoint too,
    signing a head audit never saw), and the first event past the cut links to a hash audit
    does not know."""
    await registered(12, system)
    checkpoint = checkpoint_type("intake")
    log = await settled(system, system.intake)
    assert system.intake.stop() == 0
    assert await outbox(system.intake.database_url) == log
    head = log[-1]["seq"]
    lost = range(head - 9, head + 1)
    assert any(e["type"] == checkpoint for e in log if e["seq"] in lost)
    assert breaks_of(await readyz(system), "intake") == set()

    await cut(system.intake.database_url, head - 10)
    verdict = system.intake.command("verify-log")
    assert verdict.returncode == 0, "the shortened log holds on its own"
    assert json.loads(verdict.stdout.strip().splitlines()[-1])["ok"] is True
    system.intake.start()
    await registered(3, system)
    again = await eventually(
        lambda: outbox(system.intake.database_url),
        lambda log: log[-1]["type"] == checkpoint and log[-1]["seq"] > head - 10,
        timeout=30,
        what="intake signs its new head",
    )
    resigned = [e["seq"] for e in again if e["type"] == checkpoint and e["seq"] > head - 10]
    assert resigned, "its next checkpoint"
    assert all(seq in lost for seq in resigned), "at a sequence it lost"
    await registered(10, system)  # past the lost sequences
    expected = {(seq, "fork") for seq in lost} | {(head + 1, "bad_link")}
    ready = await reported(system, "intake", *expected)
    assert min(seq for seq, _ in breaks_of(ready, "intake")) == head - 9
    assert all((seq, "fork") in breaks_of(ready, "intake") for seq in resigned)
    assert ready["chains"]["intake"]["status"] == "broken"

    replayed = replay(system.audit, "--source", "intake")
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert ("intake", head - 9, "fork") in breaks_printed(replayed.stdout), replayed.stdout


async def test_a_checkpoint_signed_with_another_key_is_rejected_and_reported(
    system: System,
) -> None:
    assert system.casework.stop() == 0
    forger = signing_key("casework")
    assert forger.key_id == system.keys["casework"].key_id, "the same key id, another key"
    system.casework.extra_env["CASEWORK_CHECKPOINT__SIGNING_KEY"] = forger.private
    system.casework.start()
    before = (await outbox(system.casework.database_url))[-1]["seq"]
    await a_case(system)
    checkpoint = checkpoint_type("casework")
    log = await eventually(
        lambda: outbox(system.casework.database_url),
        lambda log: log[-1]["type"] == checkpoint and log[-1]["seq"] > before,
        timeout=30,
        what="casework signs its head with the other key",
    )
    forged = log[-1]["seq"]
    ready = await reported(system, "casework", (forged, "bad_checkpoint"))
    detail = next(
        b["detail"]
        for b in ready["breaks"]
        if (b["source"], b["seq"], b["kind"]) == ("casework", forged, "bad_checkpoint")
    )
    assert detail

    replayed = replay(system.audit, "--source", "casework")
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert ("casework", forged, "bad_checkpoint") in breaks_printed(replayed.stdout)
