"""`python -m bench`: paired throughput ratios R1 (relay/raw) and R4 (inbox/no inbox), S1
(finding a person: registration and search p95 at 1k, 10k and 50k persons), and C1 (the
console's Today page and persons search beside the service calls under them, on 5,000 persons
and 10,000 cases), A1 (the auditors' verified replay of 1,000,000 events beside a raw consumer),
A2 (audit's ingestion into PostgreSQL beside a raw COPY of the same rows)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import (
    audit_ingest,
    audit_replay,
    console_pages,
    inbox_vs_plain,
    person_search,
    relay_vs_raw,
)
from bench.infra import Servers, progress, servers
from bench.stats import Paired, format_table
from shared.logging import configure_logging

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"
CONSOLE_OUT = DEFAULT_OUT.with_name("console.json")
"""Where `--only C1` writes, beside the latest full run."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds per ratio")
    parser.add_argument("--relay-events", type=int, default=20000, help="R1 outbox rows per round")
    parser.add_argument("--consumer-events", type=int, default=10000, help="R4 events per arm")
    parser.add_argument(
        "--relay-batch", type=int, default=1000, help="R1 relay batch size (the services' default)"
    )
    parser.add_argument("--aggregates", type=int, default=200, help="distinct keys in the events")
    parser.add_argument(
        "--search-sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=list(person_search.SIZES),
        help="S1 numbers of persons, comma-separated (default 1000,10000,50000)",
    )
    parser.add_argument("--search-samples", type=int, default=60, help="S1 requests per size")
    parser.add_argument(
        "--search-backends",
        type=lambda text: text.split(","),
        default=["sqlite", "postgresql"],
        help="S1 databases, comma-separated: sqlite, postgresql",
    )
    parser.add_argument("--console-persons", type=int, default=5000, help="C1 persons")
    parser.add_argument("--console-cases", type=int, default=10000, help="C1 cases")
    parser.add_argument("--console-samples", type=int, default=200, help="C1 rounds measured")
    parser.add_argument("--console-warmup", type=int, default=20, help="C1 rounds not measured")
    parser.add_argument(
        "--console-backends",
        type=lambda text: text.split(","),
        default=["sqlite", "postgresql"],
        help="C1 databases, comma-separated: sqlite, postgresql",
    )
    parser.add_argument("--audit-events", type=int, default=1_000_000, help="A1 events")
    parser.add_argument("--audit-rounds", type=int, default=3, help="A1 paired rounds")
    parser.add_argument(
        "--audit-workers", type=int, default=0, help="A1 replay processes (0: CPUs)"
    )
    parser.add_argument("--ingest-events", type=int, default=500_000, help="A2 events")
    parser.add_argument("--ingest-rounds", type=int, default=3, help="A2 paired rounds")
    parser.add_argument(
        "--ingest-workers", type=int, default=2, help="A2 ingestion processes (one per core)"
    )
    parser.add_argument(
        "--only", choices=["R1", "R4", "S1", "C1", "A1", "A2"], help="run one benchmark only"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="results JSON path (default results/latest.json, C1 alone: results/console.json)",
    )
    args = parser.parse_args(argv)
    args.out = args.out or (CONSOLE_OUT if args.only == "C1" else DEFAULT_OUT)
    if min(args.console_persons, args.console_cases, args.console_samples) < 1:
        parser.error("--console-persons, --console-cases and --console-samples must be positive")
    if args.console_warmup < 0 or not set(args.console_backends) <= {"sqlite", "postgresql"}:
        parser.error("--console-warmup must be >= 0, --console-backends sqlite and/or postgresql")
    if args.rounds < 1 or args.relay_events < 1 or args.consumer_events < 1:
        parser.error("--rounds, --relay-events and --consumer-events must be positive")
    sizes = args.search_sizes
    if args.search_samples < 1 or not sizes or min(sizes) < 1 or sizes != sorted(set(sizes)):
        parser.error("--search-samples must be positive, --search-sizes positive and increasing")
    if not set(args.search_backends) <= {"sqlite", "postgresql"}:
        parser.error("--search-backends takes sqlite and/or postgresql")
    return args


async def measure(args: argparse.Namespace, where: Servers) -> list[Paired]:
    """Run the selected ratios on one broker and one database server."""
    results = []
    if args.only in (None, "R1"):
        results.append(
            await relay_vs_raw.run(
                where,
                rounds=args.rounds,
                events=args.relay_events,
                batch=args.relay_batch,
                aggregates=args.aggregates,
            )
        )
    if args.only in (None, "R4"):
        results.append(
            await inbox_vs_plain.run(
                where, rounds=args.rounds, events=args.consumer_events, aggregates=args.aggregates
            )
        )
    return results


async def measure_search(args: argparse.Namespace, where: Servers) -> dict[str, Any] | None:
    """S1, unless another benchmark was chosen alone."""
    if args.only not in (None, "S1"):
        return None
    with tempfile.TemporaryDirectory(prefix="bench-s1-") as tmp:
        return await person_search.run(
            where,
            tmp,
            sizes=args.search_sizes,
            samples=args.search_samples,
            backends=args.search_backends,
        )


async def measure_console(args: argparse.Namespace, where: Servers) -> dict[str, Any] | None:
    """C1, unless another benchmark was chosen alone."""
    if args.only not in (None, "C1"):
        return None
    return await console_pages.run(
        where,
        persons=args.console_persons,
        cases=args.console_cases,
        samples=args.console_samples,
        warmup=args.console_warmup,
        backends=args.console_backends,
    )


def measure_replay(args: argparse.Namespace, where: Servers) -> dict[str, Any] | None:
    """A1, unless another benchmark was chosen alone (it runs its own event loops)."""
    if args.only not in (None, "A1"):
        return None
    return audit_replay.run(
        where, events=args.audit_events, rounds=args.audit_rounds, workers=args.audit_workers
    )


def measure_ingest(args: argparse.Namespace, where: Servers) -> dict[str, Any] | None:
    """A2, unless another benchmark was chosen alone (it runs its own event loops)."""
    if args.only not in (None, "A2"):
        return None
    return audit_ingest.run(
        where, events=args.ingest_events, rounds=args.ingest_rounds, workers=args.ingest_workers
    )


def kept(args: argparse.Namespace, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """With --only, the other benchmarks' results already in the file stay beside the new."""
    if args.only is None or not args.out.exists():
        return results
    previous = json.loads(args.out.read_text())
    return [r for r in previous if r.get("ratio", r.get("benchmark")) != args.only] + results


def environment(where: Servers) -> dict[str, Any]:
    """What the numbers depend on besides the arms themselves."""
    return {
        "kafka": "env" if where.kafka_from_env else "local",
        "postgres": "env" if where.postgres_from_env else "local",
        "python": platform.python_version(),
        "aiokafka": version("aiokafka"),
        "sqlalchemy": version("sqlalchemy"),
        "asyncpg": version("asyncpg"),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, write the results file, print the table; a missed target is not a failure."""
    args = parse_args(argv)
    configure_logging("bench", level="WARNING")
    with servers() as where:
        paired = asyncio.run(measure(args, where))
        search = asyncio.run(measure_search(args, where))
        console = asyncio.run(measure_console(args, where))
        replayed = measure_replay(args, where)
        ingested = measure_ingest(args, where)
        env = environment(where)
    results = []
    for item in paired:
        result = item.to_json()
        result["params"] = {**result["params"], **env}
        results.append(result)
    if search is not None:
        search["params"] = {**search["params"], **env}
        results.append(search)
    if console is not None:
        console["params"] = {**console["params"], **env}
        results.append(console)
    for measured in (replayed, ingested):
        if measured is not None:
            measured["params"] = {**measured["params"], **env}
            results.append(measured)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(kept(args, results), indent=2) + "\n")
    progress(f"results written to {args.out}")
    print(format_table([r for r in results if "ratio" in r]))
    if search is not None:
        print(person_search.format_table(search))
    if console is not None:
        print(console_pages.format_table(console))
    if replayed is not None:
        print(audit_replay.format_time(replayed))
    if ingested is not None:
        print(audit_ingest.format_rate(ingested))
    return 0


if __name__ == "__main__":
    sys.exit(main())
