"""`python -m services.audit replay | report | verify-report` over the real Kafka: a chained
log of two sources is read back whole and verifies; a fork, a missing sequence, an edited
event and a checkpoint signed with another key each fail the replay at their exact
sequence; a signed report verifies until one figure in it is changed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.chained_log import ERASED, T0, chained, encode, publish, wire
from services.audit import cli
from services.audit.replay.reading import replay
from services.audit.settings import AuditSettings
from shared.auth import DEV_JWT_SECRET
from shared.checkpoints import SigningKey, new_private_base64
from shared.kafka import ensure_topics

pytestmark = pytest.mark.integration

SOURCES = {"intake": 300, "casework": 200}
STEP = timedelta(hours=2)
"""300 events two hours apart: 25 days, so that a window and the days mean something."""
KEYS = {s: SigningKey.from_base64(f"{s}-k1", new_private_base64()) for s in SOURCES}
OTHER = SigningKey.from_base64("intake-k1", new_private_base64())
"""Another key under intake's key id: what a forger without intake's key would sign with."""

Events = dict[str, list[dict[str, Any]]]


def log(**forge: Any) -> Events:
    """Both sources' chains, a checkpoint after every 50 events, an erasure every 97."""
    return {
        source: chained(
            source, n, key=KEYS[source], checkpoint_every=50, erase_every=97, step=STEP, **forge
        )
        for source, n in SOURCES.items()
    }


def written(bootstrap: str, events: Events, monkeypatch: pytest.MonkeyPatch, tmp: Path) -> None:
    """Publish the log to fresh topics and point audit's settings at them."""
    topics = {source: f"test.audit-replay.{source}.{uuid.uuid4().hex[:8]}" for source in events}

    async def write() -> None:
        await ensure_topics(bootstrap, list(topics.values()))
        for source, found in events.items():
            await publish(bootstrap, topics[source], encode(found))

    asyncio.run(write())
    public = {s: {k.key_id: k.public_base64} for s, k in KEYS.items()}
    for name, value in {
        "DEVELOPMENT": "true",
        "AUTH__JWT_SECRET": DEV_JWT_SECRET,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SOURCES": json.dumps(list(events)),
        "TOPICS": json.dumps(topics),
        "CHECKPOINT_KEYS": json.dumps(public),
        "CHECKPOINT__DEV_KEY_DIR": str(tmp / "keys"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/audit.db",
    }.items():
        monkeypatch.setenv(f"AUDIT_{name}", value)


def breaks_of(args: list[str]) -> list[tuple[str, int, str]]:
    """The breaks a replay with these arguments finds, as (source, seq, kind)."""
    plan = cli.plan_of(AuditSettings(), cli.parse_args(["replay", *args]))
    return [(b.source, b.seq, b.kind) for b in replay(plan).breaks]


ONLY = ["--source", "intake", "--source", "casework"]


def test_a_whole_log_verifies_with_its_figures(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    events = log()
    written(kafka_bootstrap, events, monkeypatch, tmp_path)

    assert cli.main(["replay", *ONLY]) == 0
    assert "every chain and checkpoint verified" in capsys.readouterr().out

    plan = cli.plan_of(AuditSettings(), cli.parse_args(["replay", *ONLY]))
    summary = replay(plan)
    assert summary.ok
    assert summary.breaks == []
    chains = {c.source: c for c in summary.chains}
    for source, n in SOURCES.items():
        assert (chains[source].head_seq, chains[source].read) == (n, n)
        assert chains[source].head_hash == events[source][-1]["hash"]
        assert chains[source].checkpoints == n // 51
        assert chains[source].last_checkpoint_seq == (n // 51) * 51
    expected: dict[tuple[str, str], int] = {}
    for source, found in events.items():
        for event in found:
            expected[(source, event["type"])] = expected.get((source, event["type"]), 0) + 1
    assert summary.types == expected
    erased = sorted({e["subject"] for e in events["intake"] if e["type"] == ERASED})
    assert erased
    assert summary.erased == erased


def _fork(events: Events) -> None:
    at = events["intake"][119]
    twin = wire("intake", 120, at["prevhash"], at["type"], T0 + STEP * 120, at["subject"], {"x": 1})
    events["intake"].insert(200, twin)


def _gap(events: Events) -> None:
    del events["casework"][76]


def _edit(events: Events) -> None:
    events["intake"][41]["data"]["status"] = "closed"


TAMPERING: dict[str, tuple[Callable[[Events], None], tuple[str, int, str]]] = {
    "fork": (_fork, ("intake", 120, "fork")),
    "gap": (_gap, ("casework", 77, "gap")),
    "edit": (_edit, ("intake", 42, "altered")),
}


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_a_tampered_log_fails_at_the_exact_sequence(
    name: str, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tamper, expected = TAMPERING[name]
    events = log()
    tamper(events)
    written(kafka_bootstrap, events, monkeypatch, tmp_path)

    assert cli.main(["replay", *ONLY]) == 1
    assert breaks_of(ONLY) == [expected]


def test_a_checkpoint_signed_with_another_key_fails(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    written(kafka_bootstrap, log(forged=OTHER, forged_at=153), monkeypatch, tmp_path)

    assert cli.main(["replay", "--source", "intake"]) == 1
    assert breaks_of(["--source", "intake"]) == [("intake", 153, "bad_checkpoint")]


def test_a_signed_report_verifies_until_a_figure_is_changed(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    events = log()
    written(kafka_bootstrap, events, monkeypatch, tmp_path)
    out = tmp_path / "report"
    window = ["--from", "2026-11-05", "--to", "2026-11-10"]

    assert cli.main(["report", *ONLY, *window, "--out", str(out)]) == 0
    path = out / "report.json"
    report = json.loads(path.read_text())
    in_window = [
        e
        for found in events.values()
        for e in found
        if "2026-11-05" <= e["time"][:10] <= "2026-11-10"
    ]
    assert sum(row["events"] for row in report["per_day"]) == len(in_window)
    assert {row["day"] for row in report["per_day"]} == {f"2026-11-{d:02}" for d in range(5, 11)}
    html = (out / "report.html").read_text()
    assert "<svg" in html
    assert "<script" not in html
    public = report["signed_by"]["public_key"]
    assert cli.main(["verify-report", str(path), "--public-key", public]) == 0
    assert cli.main(["verify-report", str(path), "--public-key", OTHER.public_base64]) == 1
    command = [sys.executable, "-m", "services.audit", "verify-report", str(path)]
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0

    report["events"][0]["events"] += 1
    path.write_text(json.dumps(report, indent=2))
    assert cli.main(["verify-report", str(path)]) == 1


def test_a_page_showing_other_figures_fails_verification(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    written(kafka_bootstrap, log(), monkeypatch, tmp_path)
    out = tmp_path / "report"
    assert cli.main(["report", "--source", "casework", "--out", str(out)]) == 0
    assert cli.main(["verify-report", str(out / "report.json")]) == 0

    page = out / "report.html"
    assert '<td class="n">200</td>' in page.read_text()
    page.write_text(page.read_text().replace('<td class="n">200</td>', '<td class="n">199</td>'))
    assert cli.main(["verify-report", str(out / "report.json")]) == 1
