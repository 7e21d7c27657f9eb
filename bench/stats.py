"""Paired-arm results: per-round ratios, their summary, the JSON form and the printed table."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Paired:
    """Throughputs (events/s) of two arms measured alternately, round by round."""

    ratio: str
    arm_a: str
    arm_b: str
    target: float
    params: dict[str, Any]
    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)

    def add(self, a: float, b: float) -> None:
        """Record one round: arm A's then arm B's throughput."""
        self.a.append(a)
        self.b.append(b)

    def note(self, name: str, value: float) -> None:
        """Record a side measurement of one round (e.g. a group join time)."""
        self.extra.setdefault(name, []).append(value)

    def ratios(self) -> list[float]:
        """A_i / B_i for each round i."""
        return [a / b for a, b in zip(self.a, self.b, strict=True)]

    def to_json(self) -> dict[str, Any]:
        """The result object written to the results file."""
        ratios = self.ratios()
        return {
            "ratio": self.ratio,
            "median": statistics.median(ratios),
            "min": min(ratios),
            "max": max(ratios),
            "n": len(ratios),
            "target": self.target,
            "met": statistics.median(ratios) >= self.target,
            "per_round": ratios,
            "arms": {self.arm_a: _arm(self.a), self.arm_b: _arm(self.b)},
            "side": {name: _spread(values) for name, values in self.extra.items()},
            "params": self.params,
        }


def _arm(values: list[float]) -> dict[str, Any]:
    return {
        "median_per_s": statistics.median(values),
        "min_per_s": min(values),
        "max_per_s": max(values),
        "per_round_per_s": values,
    }


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def format_table(results: list[dict[str, Any]]) -> str:
    """A readable table of ratio summaries with each arm's throughput underneath."""
    lines = []
    for result in results:
        verdict = "met" if result["met"] else "MISSED"
        lines.append(
            f"{result['ratio']}  median {result['median']:.2f}  min {result['min']:.2f}  "
            f"max {result['max']:.2f}  n {result['n']}  "
            f"target >= {result['target']:.2f}  {verdict}"
        )
        width = max(len(name) for name in [*result["arms"], *result["side"]])
        for name, arm in result["arms"].items():
            lines.append(
                f"    {name:<{width}}  median {arm['median_per_s']:>8.0f}/s  "
                f"min {arm['min_per_s']:>8.0f}/s  max {arm['max_per_s']:>8.0f}/s"
            )
        lines.extend(
            f"    {name:<{width}}  median {side['median']:>8.3f}s   "
            f"min {side['min']:>8.3f}s   max {side['max']:>8.3f}s"
            for name, side in result["side"].items()
        )
    return "\n".join(lines)
