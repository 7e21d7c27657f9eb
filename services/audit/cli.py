"""Audit for auditors, on the command line:

    python -m services.audit replay [--source S …] [--from WHEN] [--to WHEN]
    python -m services.audit report [--from WHEN] [--to WHEN] --out DIR
    python -m services.audit verify-report DIR/report.json [--public-key B64]

`replay` reads every source's topic from the start, verifies every chain and checkpoint,
and prints what it found; `report` writes the same as a signed JSON report and an HTML page.
Both exit 1 when any chain is broken. `verify-report` exits 0 only when the report's
signature holds (and the page beside it shows the same figures). The sources, their topics
and checkpoint keys come from audit's settings (`AUDIT_*`); WHEN is a date or ISO time."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from services.audit.replay import page, report
from services.audit.replay.reading import Plan, replay
from services.audit.replay.summary import Summary, print_summary
from services.audit.replay.window import Window, parse_bound
from services.audit.settings import AuditSettings

MODES = ("replay", "report", "verify-report")
OWN_SOURCE = "audit"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m services.audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    modes = parser.add_subparsers(dest="mode", required=True)
    for name in ("replay", "report"):
        mode = modes.add_parser(name, help=f"{name}: read and verify every chain")
        mode.add_argument("--source", action="append", help="only this source (repeatable)")
        mode.add_argument("--from", dest="start", help="count events from this date or time")
        mode.add_argument("--to", dest="end", help="to this date (included) or time (excluded)")
        mode.add_argument("--bootstrap", help="Kafka's address (default: audit's settings)")
        mode.add_argument("--workers", type=int, default=0, help="processes (default: CPUs)")
        if name == "report":
            mode.add_argument("--out", type=Path, required=True, help="the report's folder")
    verify = modes.add_parser("verify-report", help="check a report's signature")
    verify.add_argument("path", type=Path, help="the report's JSON")
    verify.add_argument("--public-key", help="audit's public key (base64) the report must bear")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.mode == "verify-report":
        return verify_report(args.path, args.public_key, Console())
    try:
        settings = AuditSettings()
        plan = plan_of(settings, args)
    except ValueError as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        return 2
    summary = run(plan, Console(stderr=True))
    print_summary(summary, Console())
    if args.mode == "report":
        write_report(summary, settings, args.out)
        Console().print(f"report written to {args.out / 'report.json'} and report.html")
    return 0 if summary.ok else 1


def plan_of(settings: AuditSettings, args: argparse.Namespace) -> Plan:
    """What to replay, from audit's settings and the command line."""
    keys = settings.public_keys()
    own = settings.checkpoint.signing(OWN_SOURCE, development=settings.development)
    keys[OWN_SOURCE] = settings.checkpoint.verifying(own)
    known = [*settings.sources, OWN_SOURCE]
    chosen = args.source or known
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}: known are {', '.join(known)}")
    window = Window(
        None if args.start is None else parse_bound(args.start, end=False),
        None if args.end is None else parse_bound(args.end, end=True),
    )
    return Plan(
        bootstrap=args.bootstrap or settings.kafka_bootstrap_servers,
        topics={source: settings.topic_of(source) for source in chosen},
        keys={source: keys.get(source, {}) for source in chosen},
        window=window,
        workers=args.workers,
    )


def run(plan: Plan, console: Console) -> Summary:
    """Replay with a progress bar."""
    columns = (
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # refreshed by hand: a refreshing thread would be copied, mid-lock, into forked workers
    with Progress(*columns, console=console, auto_refresh=False) as bar:
        task = bar.add_task("replay", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, refresh=True)

        return replay(plan, advance)


def write_report(summary: Summary, settings: AuditSettings, out: Path) -> None:
    """Sign the figures with audit's key; write report.json and report.html into `out`."""
    key = settings.checkpoint.signing(OWN_SOURCE, development=settings.development)
    signed = report.build(summary, key, datetime.now(UTC))
    out.mkdir(parents=True, exist_ok=True)
    report.write_json(signed, out / "report.json")
    (out / "report.html").write_text(page.render(signed), encoding="utf-8")


def verify_report(path: Path, public_key: str | None, console: Console) -> int:
    """Check a report: 0 when it holds, 1 when not."""
    try:
        signed = report.read_json(path)
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot read the report: {exc}[/red]")
        return 1
    reason = report.problem(signed, public_key)
    html = path.with_suffix(".html")
    if reason is None and html.exists():
        shown = page.without_plot(html.read_text(encoding="utf-8"))
        if shown != page.without_plot(page.render(signed)):
            reason = f"{html.name} does not show the figures of {path.name}"
    if reason is not None:
        console.print(f"[red]NOT VERIFIED: {reason}[/red]")
        return 1
    signer = signed["signed_by"]
    console.print(f"[green]verified[/green]: signed by {signer['key_id']} ({signer['public_key']})")
    if not signed.get("ok"):
        console.print(f"[yellow]the report records {len(signed['breaks'])} break(s)[/yellow]")
    if public_key is None:
        console.print("compare that public key with audit's published one (or pass --public-key)")
    return 0
