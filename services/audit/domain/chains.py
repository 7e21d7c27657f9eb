"""Verifying the services' hash chains as their events arrive, without I/O.

Two checks, so that the costly one runs anywhere and in parallel:
- `event_problem` looks at one envelope alone: its hash recomputed from its own `prevhash`
  and content, and, for a checkpoint, its Ed25519 signature and that it signs the head just
  before it (`head_seq` = its seq - 1, `head_hash` = its prevhash).
- `Linker` (one per source) puts the events of a source back in sequence order, whatever
  order Kafka's partitions deliver them in, and checks each link (`prevhash` = the previous
  event's hash). It tells a redelivered duplicate (same sequence, same hash) from a fork
  (same sequence, another event), and at the end names the sequences that never came.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.checkpoints import CHECKPOINT_NAME, verify
from shared.events.envelope import GENESIS_HASH, chain_hash

CHECKPOINT_INFIX = f".{CHECKPOINT_NAME}."
Kind = Literal["altered", "bad_checkpoint", "fork", "bad_link", "gap", "malformed"]


@dataclass(frozen=True)
class Break:
    """Where a chain is broken: the source, the sequence, what kind of break and what differs."""

    source: str
    seq: int
    kind: Kind
    detail: str


def is_checkpoint(event_type: str) -> bool:
    """Whether the type is a service's checkpoint (`<service>.checkpoint.v1`)."""
    if CHECKPOINT_INFIX not in event_type:  # most events: no split
        return False
    parts = event_type.split(".")
    return len(parts) == 3 and parts[1] == CHECKPOINT_NAME


def event_problem(wire: Mapping[str, Any], keys: Mapping[str, str] | None) -> Break | None:
    """What is wrong with one envelope on its own (None if nothing): its hash, and for a
    checkpoint its signature (against `keys`, the source's public keys by id) and its head."""
    source, seq = str(wire.get("source", "")), wire.get("seq")
    if not isinstance(seq, int) or not isinstance(wire.get("prevhash"), str):
        return Break(source, seq if isinstance(seq, int) else 0, "malformed", "no seq or prevhash")
    if chain_hash(wire["prevhash"], dict(wire)) != wire.get("hash"):
        return Break(source, seq, "altered", "the envelope's hash does not match its content")
    if not is_checkpoint(str(wire.get("type", ""))):
        return None
    data = wire.get("data") or {}
    if data.get("head_seq") != seq - 1 or data.get("head_hash") != wire["prevhash"]:
        detail = f"signs head {data.get('head_seq')}, not the event before it ({seq - 1})"
        return Break(source, seq, "bad_checkpoint", detail)
    reason = verify(keys or {}, source, data)
    return None if reason is None else Break(source, seq, "bad_checkpoint", reason)


@dataclass
class Linker:
    """One source's chain, linked in sequence order as its events come in any order."""

    source: str
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    seen: dict[int, str] = field(default_factory=dict)
    """The hash of every sequence linked or waiting, to tell duplicates from forks."""
    _waiting: list[tuple[int, str, str]] = field(default_factory=list)
    """(seq, prevhash, hash) of the events not linked yet, a heap by seq (unique, since
    `seen` keeps a second event at a sequence out: tuples compare in C, on seq alone)."""

    def add(self, seq: int, prevhash: str, hash_: str) -> list[Break]:
        """Take one event; the breaks it reveals (a fork, or links that do not hold)."""
        known = self.seen.get(seq)
        if known is not None:
            if known == hash_:
                return []  # the same event delivered again
            detail = f"another event at a known sequence: hash {hash_[:12]}…, stored {known[:12]}…"
            return [Break(self.source, seq, "fork", detail)]
        self.seen[seq] = hash_
        heapq.heappush(self._waiting, (seq, prevhash, hash_))
        return self._link()

    def _link(self) -> list[Break]:
        breaks = []
        while self._waiting and self._waiting[0][0] == self.head_seq + 1:
            seq, prevhash, hash_ = heapq.heappop(self._waiting)
            if prevhash != self.head_hash:
                detail = "prevhash differs from the hash of the event before it"
                breaks.append(Break(self.source, seq, "bad_link", detail))
            self.head_seq, self.head_hash = seq, hash_
        return breaks

    @property
    def waiting(self) -> int:
        """How many events wait for an earlier sequence to arrive."""
        return len(self._waiting)

    def finish(self) -> list[Break]:
        """At the end of what there is to read: each run of sequences that never came (the
        events after them are then linked on, so one gap is reported once)."""
        breaks = []
        while self._waiting:
            first = self._waiting[0][0]
            missing = (
                f"{self.head_seq + 1}"
                if first == self.head_seq + 2
                else (f"{self.head_seq + 1} to {first - 1}")
            )
            breaks.append(Break(self.source, self.head_seq + 1, "gap", f"missing seq {missing}"))
            self.head_seq = first - 1
            self.head_hash = self._waiting[0][1]
            breaks.extend(self._link())
        return breaks
