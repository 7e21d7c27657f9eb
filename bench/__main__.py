"""`python -m bench`: paired throughput ratios R1 (relay/raw) and R4 (inbox/no inbox)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import inbox_vs_plain, relay_vs_raw
from bench.infra import Servers, progress, servers
from bench.stats import Paired, format_table
from shared.logging import configure_logging

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"


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
    parser.add_argument("--only", choices=["R1", "R4"], help="run one ratio only")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON path")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.relay_events < 1 or args.consumer_events < 1:
        parser.error("--rounds, --relay-events and --consumer-events must be positive")
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
        env = environment(where)
    results = []
    for item in paired:
        result = item.to_json()
        result["params"] = {**result["params"], **env}
        results.append(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    progress(f"results written to {args.out}")
    print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
