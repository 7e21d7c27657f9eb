"""The CPU work of a replay, done in the worker processes: each message parsed, its hash and
(for a checkpoint) its signature checked on its own, the figures counted. What links one
event to the next is left to the main process, which sees every partition of a source."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from services.audit.domain.arrivals import published_hash_holds
from services.audit.domain.chains import Break, event_problem
from services.audit.replay.window import Window, utc_text
from shared.checkpoints import checkpoint_type

ERASED_TYPE = "intake.person_erased.v1"
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
"""The standard decoder's C scanner (set in its __init__, absent from the type stubs)."""

__all__ = ["Checker", "Link", "Tally", "published_hash_holds"]

Link = tuple[int, str, str]
"""(seq, prevhash, hash): what the main process links."""


@dataclass
class Tally:
    """What a worker counted: messages read per source, and within the window events per
    source and type and per source and day; valid checkpoints; erased persons."""

    read: Counter[str] = field(default_factory=Counter)
    types: Counter[tuple[str, str]] = field(default_factory=Counter)
    days: Counter[tuple[str, str]] = field(default_factory=Counter)
    checkpoints: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)

    def merge(self, other: Tally) -> None:
        """Add another worker's figures to these."""
        self.read.update(other.read)
        self.types.update(other.types)
        self.days.update(other.days)
        for source, found in other.checkpoints.items():
            self.checkpoints.setdefault(source, []).extend(found)
        self.erased |= other.erased


@dataclass
class Checker:
    """One worker's checks, over the batches of the partitions it reads."""

    keys: Mapping[str, Mapping[str, str]]
    window: Window
    tally: Tally = field(default_factory=Tally)
    _seen: dict[str, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._start, self._end = self.window.bounds

    def check(self, source: str, values: list[bytes]) -> tuple[list[Link], list[Break]]:
        """The links of a batch of `source`'s messages and the breaks seen in them alone."""
        links: list[Link] = []
        breaks: list[Break] = []
        seen = self._seen.setdefault(source, set())
        checkpoint = checkpoint_type(source)
        self.tally.read[source] += len(values)
        for value in values:
            wire = _parsed(value)
            if wire is None or wire.get("source") != source:
                breaks.append(_stray(source, wire))
                continue
            seq, prevhash, hash_ = wire.get("seq"), wire.get("prevhash"), wire.get("hash")
            if not isinstance(seq, int) or not isinstance(prevhash, str) or not prevhash.isascii():
                breaks.append(Break(source, 0, "malformed", "an event without seq or prevhash"))
                continue
            kind = str(wire.get("type"))
            if kind == checkpoint or not (
                isinstance(hash_, str) and published_hash_holds(value, prevhash, hash_)
            ):
                exact = _parsed_exactly(value) or wire  # the canonical form's own reading
                self._judge(source, seq, exact, kind == checkpoint, breaks)
            links.append((seq, prevhash, hash_ if isinstance(hash_, str) else ""))
            if seq not in seen:
                seen.add(seq)
                self._count(source, kind, wire)
        return links, breaks

    def _judge(
        self, source: str, seq: int, wire: dict[str, Any], checkpoint: bool, breaks: list[Break]
    ) -> None:
        problem = event_problem(wire, self.keys.get(source, {}))
        if problem is not None:
            breaks.append(problem)
        elif checkpoint:
            signed_at = str((wire.get("data") or {}).get("signed_at", ""))
            self.tally.checkpoints.setdefault(source, []).append((seq, signed_at))

    def _count(self, source: str, kind: str, wire: dict[str, Any]) -> None:
        try:
            moment = utc_text(str(wire.get("time")))
        except ValueError:
            moment = ""
        start, end = self._start, self._end
        if (start is None or moment >= start) and (end is None or moment < end):
            self.tally.types[(source, kind)] += 1
            self.tally.days[(source, moment[:10])] += 1
        if kind == ERASED_TYPE:
            self.tally.erased.add(str(wire.get("subject")))


def _parsed(value: bytes) -> dict[str, Any] | None:
    """The envelope, read by orjson when it is one object with an integer sequence, else by
    the standard scanner, which decides (a lone surrogate's escape, NaN, an integer beyond
    64 bits, which orjson reads as a float; anything around the object)."""
    if value[:1] == b"{" and value[-1:] == b"}":
        try:
            wire = orjson.loads(value)
        except orjson.JSONDecodeError:
            wire = None
        if isinstance(wire, dict) and type(wire.get("seq")) is int:
            return wire
    return _parsed_exactly(value)


def _parsed_exactly(value: bytes) -> dict[str, Any] | None:
    try:
        text = value.decode()
        # the decoder's C scanner, without decode()'s two whitespace matches: an envelope
        # as published has none, and anything after its closing brace makes it malformed
        wire, end = _SCAN(text, 0)
    except (ValueError, StopIteration):  # UnicodeDecodeError, JSONDecodeError; empty
        return None
    return wire if isinstance(wire, dict) and end == len(text) else None


def _stray(source: str, wire: dict[str, Any] | None) -> Break:
    if wire is None:
        return Break(source, 0, "malformed", "a message that is not a JSON envelope")
    seq = wire.get("seq")
    seq = seq if isinstance(seq, int) else 0
    return Break(source, seq, "malformed", f"an event of {wire.get('source')!r} on its topic")
