"""The report as a page to read: the same figures in tables, and the events per day per source
drawn as an inline SVG (matplotlib); no script, nothing fetched from the network. The page is
made from the JSON alone, so a verifier can make it again and compare."""

from __future__ import annotations

import io
import re
from datetime import date
from html import escape
from typing import Any

import matplotlib
from matplotlib.figure import Figure

PLOT_START, PLOT_END = "<!-- plot -->", "<!-- /plot -->"
_PLOT = re.compile(re.escape(PLOT_START) + ".*?" + re.escape(PLOT_END), re.DOTALL)
STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;"
    "margin:1em 0}td,th{border:1px solid #999;padding:.2em .6em;text-align:left}"
    ".n{text-align:right}.bad{color:#b00}.ok{color:#070}"
)


def render(report: dict[str, Any]) -> str:
    """The page of a report."""
    window = report["window"]
    verdict = (
        '<p class="ok">Every chain and checkpoint verified.</p>'
        if report["ok"]
        else f'<p class="bad">{len(report["breaks"])} break(s) found.</p>'
    )
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Audit report</title><style>{STYLE}</style></head><body>",
        "<h1>Audit report</h1>",
        f"<p>Events from {_text(window['from'] or 'the start')} to "
        f"{_text(window['to'] or 'the end')}; generated {_text(report['generated_at'])}, "
        f"signed with key {_text(report['signed_by']['key_id'])}.</p>",
        verdict,
        "<h2>Events per day per source</h2>",
        PLOT_START + plot(report["per_day"]) + PLOT_END,
        _table("Events per source and type", ["source", "type", "events"], report["events"]),
        _table("Chains and checkpoints", list(_CHAIN_COLUMNS), report["chains"], _CHAIN_COLUMNS),
        _table("Breaks", ["source", "seq", "kind", "detail"], report["breaks"]),
        _table("Events per day", ["day", "source", "events"], report["per_day"]),
        f"<h2>Erased persons ({len(report['erased_subjects'])})</h2><p>",
        ", ".join(_text(s) for s in report["erased_subjects"]) or "none",
        "</p></body></html>\n",
    ]
    return "\n".join(parts)


_CHAIN_COLUMNS = {
    "source": "source",
    "messages_read": "read",
    "head_seq": "head seq",
    "head_hash": "head hash",
    "checkpoints_verified": "checkpoints",
    "last_checkpoint_seq": "last checkpoint",
    "last_checkpoint_signed_at": "signed at",
    "events_after_last_checkpoint": "unsigned tail",
}


def without_plot(page: str) -> str:
    """The page without its drawing: what must equal the page made again from the JSON."""
    return _PLOT.sub("", page)


def _table(
    title: str, columns: list[str], rows: list[dict[str, Any]], labels: dict[str, str] | None = None
) -> str:
    head = "".join(f"<th>{_text((labels or {}).get(c, c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(row.get(c)) for c in columns) + "</tr>" for row in rows)
    return f"<h2>{_text(title)}</h2><table><tr>{head}</tr>{body or ''}</table>"


def _cell(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="n">{value}</td>'
    return f"<td>{_text('' if value is None else value)}</td>"


def _text(value: Any) -> str:
    return escape(str(value))


def plot(per_day: list[dict[str, Any]]) -> str:
    """Events per day, one line per source, as an SVG element."""
    series: dict[str, dict[date, int]] = {}
    for row in per_day:
        if len(row["day"]) == 10:
            series.setdefault(row["source"], {})[date.fromisoformat(row["day"])] = row["events"]
    figure = Figure(figsize=(9, 3.5))
    axes = figure.add_subplot()
    for source, counts in sorted(series.items()):
        days = sorted(counts)
        axes.plot(days, [counts[d] for d in days], marker=".", label=source)  # type: ignore[arg-type]
    axes.set_ylabel("events per day")
    if series:
        axes.legend(loc="upper left", fontsize="small")
    figure.autofmt_xdate()
    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "passerelle", "svg.fonttype": "none"}):
        figure.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = out.getvalue()
    return svg[svg.index("<svg") :]
