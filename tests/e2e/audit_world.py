"""Audit beside the services in end-to-end tests: each process on topics and in consumer
groups of its own (`<SVC>_TOPIC_PREFIX`: audit reads its sources from the start, and the
shared `<service>.events` hold other runs' chains, each from sequence 1 again), signing its
chain head with a key of the run's own every 2 seconds; and what the tests read back: a
service's outbox as it keeps it, and `replay`'s breaks."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, select

from shared.checkpoints import SigningKey, new_private_base64
from shared.db import create_engine
from tests.e2e.services import ServiceProcess

CHECKPOINT_ENV = {"EVERY_SECONDS": "2", "POLL_SECONDS": "0.5"}


@dataclass(frozen=True)
class Key:
    """A checkpoint signing key as settings hold it: its id and base64 private half."""

    key_id: str
    private: str

    @property
    def public(self) -> str:
        return SigningKey.from_base64(self.key_id, self.private).public_base64


def signing_key(source: str) -> Key:
    """A checkpoint key of the run's own for `source`."""
    return Key(f"{source}-e2e", new_private_base64())


def isolated(service: ServiceProcess, prefix: str, key: Key) -> None:
    """The service on topics and in consumer groups of its own, signing with `key` often."""
    env = service.name.upper()
    service.extra_env.update(
        {
            f"{env}_TOPIC_PREFIX": prefix,
            f"{env}_CONSUMER_GROUP_SUFFIX": "-" + prefix.rstrip("."),
            f"{env}_CHECKPOINT__SIGNING_KEY": key.private,
            f"{env}_CHECKPOINT__KEY_ID": key.key_id,
            **{f"{env}_CHECKPOINT__{name}": value for name, value in CHECKPOINT_ENV.items()},
        }
    )


def auditing(
    database: str,
    bootstrap: str,
    log_dir: Path,
    intake: ServiceProcess,
    keys: dict[str, Key],
    prefix: str,
) -> ServiceProcess:
    """Audit reading the run's topics of `keys`' sources, knowing their checkpoint keys."""
    audit = ServiceProcess(
        "audit",
        database,
        bootstrap,
        log_dir,
        extra_env={
            "AUDIT_KEY_STORE__URL": intake.url,
            "AUDIT_SOURCES": json.dumps(sorted(keys)),
            "AUDIT_CHECKPOINT_KEYS": json.dumps(
                {source: {key.key_id: key.public} for source, key in keys.items()}
            ),
            "AUDIT_GAP_GRACE_SECONDS": "2",
            "AUDIT_INGEST_WAIT_MS": "200",
        },
    )
    isolated(audit, prefix, signing_key("audit"))
    return audit


async def outbox(database_url: str) -> list[dict[str, Any]]:
    """A service's event log as its outbox keeps it, in sequence order (envelopes as JSON)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            metadata = MetaData()
            await connection.run_sync(lambda sync: metadata.reflect(sync, only=["outbox"]))
            table: Table = metadata.tables["outbox"]
            rows = await connection.execute(select(table).order_by(table.c.seq))
            return [
                {**json.loads(row.envelope), "published": row.published_at is not None}
                for row in rows
            ]
    finally:
        await engine.dispose()


def replay(audit: ServiceProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m services.audit replay` with audit's settings, its tables printed wide."""
    return subprocess.run(
        [sys.executable, "-m", "services.audit", "replay", *args],
        env={**audit.environment(), "COLUMNS": "250", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def breaks_printed(output: str) -> set[tuple[str, int, str]]:
    """(source, seq, kind) of each row of the breaks table `replay` printed."""
    found = set()
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) == 4 and cells[1].isdigit():
            found.add((cells[0], int(cells[1]), cells[2]))
    return found
