"""What a replay found: the figures of every source, the state of its chain and checkpoints,
and the breaks, as one plain value (for the table, the report and the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from services.audit.domain.chains import Break
from services.audit.replay.window import Window


@dataclass(frozen=True)
class Chain:
    """A source's chain as replayed: its linked head and its valid checkpoints."""

    source: str
    topic: str
    read: int
    head_seq: int
    head_hash: str
    checkpoints: int
    last_checkpoint_seq: int | None
    last_checkpoint_at: str | None

    @property
    def unsigned_tail(self) -> int:
        """Events after the last valid checkpoint: a cut among them cannot be told."""
        return self.head_seq - (self.last_checkpoint_seq or 0)


@dataclass(frozen=True)
class Summary:
    """The result of one replay."""

    window: Window
    chains: list[Chain]
    types: dict[tuple[str, str], int]
    days: dict[tuple[str, str], int]
    breaks: list[Break]
    erased: list[str]
    missing_topics: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every chain and checkpoint verified."""
        return not self.breaks

    def figures(self) -> dict[str, Any]:
        """The figures as JSON values, in a stable order (what a report signs)."""
        return {
            "window": self.window.to_json(),
            "ok": self.ok,
            "events": [
                {"source": s, "type": t, "events": n} for (s, t), n in sorted(self.types.items())
            ],
            "per_day": [
                {"day": d, "source": s, "events": n} for (s, d), n in sorted(self.days.items())
            ],
            "chains": [
                {
                    "source": c.source,
                    "topic": c.topic,
                    "messages_read": c.read,
                    "head_seq": c.head_seq,
                    "head_hash": c.head_hash,
                    "checkpoints_verified": c.checkpoints,
                    "last_checkpoint_seq": c.last_checkpoint_seq,
                    "last_checkpoint_signed_at": c.last_checkpoint_at,
                    "events_after_last_checkpoint": c.unsigned_tail,
                }
                for c in self.chains
            ],
            "breaks": [
                {"source": b.source, "seq": b.seq, "kind": b.kind, "detail": b.detail}
                for b in self.breaks
            ],
            "erased_subjects": self.erased,
            "missing_topics": self.missing_topics,
        }


def tables(summary: Summary) -> list[Table]:
    """The summary as rich tables: events, chains and checkpoints, breaks, erased persons."""
    events = Table("source", "type", "events", title="Events (within the window)")
    for (source, kind), count in sorted(summary.types.items()):
        events.add_row(source, kind, f"{count:,}")
    chains = Table(
        "source",
        "read",
        "head seq",
        "head hash",
        "checkpoints",
        "last checkpoint",
        "unsigned tail",
        "verified",
        title="Chains and checkpoints (whole chains)",
    )
    broken = {b.source for b in summary.breaks}
    for c in summary.chains:
        last = "-" if c.last_checkpoint_seq is None else f"#{c.last_checkpoint_seq}"
        if c.last_checkpoint_at:
            last += f" {c.last_checkpoint_at}"
        verdict = "[red]BROKEN[/red]" if c.source in broken else "[green]yes[/green]"
        chains.add_row(
            c.source,
            f"{c.read:,}",
            f"{c.head_seq:,}",
            c.head_hash[:12] + "…",
            f"{c.checkpoints:,}",
            last,
            f"{c.unsigned_tail:,}",
            verdict,
        )
    result = [events, chains]
    if summary.breaks:
        breaks = Table("source", "seq", "kind", "detail", title="[red]Breaks[/red]")
        for b in summary.breaks:
            breaks.add_row(b.source, str(b.seq), b.kind, b.detail)
        result.append(breaks)
    erased = Table("person", title=f"Erased persons ({len(summary.erased)})")
    for subject in summary.erased[:20]:
        erased.add_row(subject)
    if len(summary.erased) > 20:
        erased.add_row(f"… and {len(summary.erased) - 20} more")
    result.append(erased)
    return result


def print_summary(summary: Summary, console: Console) -> None:
    """Print the tables and a one-line verdict."""
    for table in tables(summary):
        console.print(table)
    for topic in summary.missing_topics:
        console.print(f"[yellow]no topic {topic}: nothing to verify there[/yellow]")
    if summary.ok:
        console.print("[green]every chain and checkpoint verified[/green]")
    else:
        console.print(f"[red]{len(summary.breaks)} break(s) found[/red]")
