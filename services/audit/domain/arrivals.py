"""A record read from a service's topic, decoded into what audit stores, without I/O.

A record that is no envelope at all (not JSON, no sequence, fields too long to store, another
service's name on this service's topic) is a `malformed` break at its partition and offset:
it is reported once and never stops the reading of the records after it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.audit.domain.chains import Break

LIMITS = {
    "id": 64,
    "type": 255,
    "subject": 128,
    "actor": 128,
    "actororg": 64,
    "hash": 64,
    "prevhash": 64,
}
"""The longest value audit's store keeps for each attribute it indexes."""
DETAIL_LENGTH = 500
MAX_SEQ = 2**63
"""Sequences are stored as 64-bit integers."""


@dataclass(frozen=True)
class Arrival:
    """One envelope as read: its chain position, its attributes, its text byte for byte."""

    source: str
    seq: int
    wire: dict[str, Any]
    text: str
    time: datetime
    topic: str
    partition: int
    offset: int

    @property
    def hash(self) -> str:
        """The hash the envelope claims."""
        return str(self.wire["hash"])

    @property
    def prevhash(self) -> str:
        """The hash of the event before it, as the envelope claims."""
        return str(self.wire["prevhash"])


def decode(
    source: str, topic: str, partition: int, offset: int, value: bytes | None
) -> Arrival | Break:
    """The record as an arrival of `source`'s chain, or the `malformed` break it is."""
    where = f"{topic} partition {partition} offset {offset}"
    try:
        text = (value or b"").decode("utf-8")
        wire = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return malformed(source, 0, f"{where}: not a JSON envelope")
    if not isinstance(wire, dict):
        return malformed(source, 0, f"{where}: not a JSON object")
    seq = wire.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < MAX_SEQ:
        return malformed(source, 0, f"{where}: no sequence")
    problem = _problem(source, wire)
    if problem is not None:
        return malformed(source, seq, f"{where}: {problem}")
    try:
        time = datetime.fromisoformat(wire["time"])
    except (TypeError, ValueError):
        return malformed(source, seq, f"{where}: time is not an ISO instant")
    if time.tzinfo is None:
        return malformed(source, seq, f"{where}: time has no offset")
    return Arrival(source, seq, wire, text, time, topic, partition, offset)


def _problem(source: str, wire: dict[str, Any]) -> str | None:
    if wire.get("source") != source:
        return "source is not the topic's service"
    for name, limit in LIMITS.items():
        value = wire.get(name)
        required = name not in ("actor", "actororg")
        if value is None and not required:
            continue
        if not isinstance(value, str) or not value or len(value) > limit or not storable(value):
            return f"{name} missing, empty, longer than {limit} or not text"
    if not isinstance(wire.get("data"), dict):
        return "data is not an object"
    return None


def storable(text: str) -> bool:
    """Whether a database can keep the text: no NUL, no lone surrogate (JSON allows both)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def malformed(source: str, seq: int, detail: str) -> Break:
    """A `malformed` break (its detail cut to what the store keeps)."""
    return Break(source, seq, "malformed", detail[:DETAIL_LENGTH])
