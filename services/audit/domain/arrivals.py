"""A record read from a service's topic, decoded into what audit stores, without I/O.

A record that is no envelope at all (not JSON, no sequence, fields too long to store, another
service's name on this service's topic) is a `malformed` break at its partition and offset:
it is reported once and never stops the reading of the records after it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from services.audit.domain.chains import Break, event_problem, is_checkpoint

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
HASH_MEMBER = b',"hash":"'
HASH_AT = len(HASH_MEMBER)
HASH_MEMBER_SIZE = HASH_AT + 64 + 1
ESCAPE = b"\\u"
"""Only a `\\uXXXX` escape can put a NUL or a lone surrogate in a JSON string read from
valid UTF-8 (raw control characters are not JSON): without one, every text is storable."""
MAX_SEQ = 2**63
"""Sequences are stored as 64-bit integers."""


class Arrival(NamedTuple):
    """One envelope as read: its chain position, its attributes, its text byte for byte (a
    tuple: one is made for every event ingested)."""

    source: str
    seq: int
    wire: dict[str, Any]
    text: str
    time: datetime
    topic: str
    partition: int
    offset: int
    hash: str
    """The hash the envelope claims."""
    prevhash: str
    """The hash of the event before it, as the envelope claims."""


def decode(
    source: str, topic: str, partition: int, offset: int, value: bytes | None
) -> Arrival | Break:
    """The record as an arrival of `source`'s chain, or the `malformed` break it is."""
    value = value or b""
    try:
        text = value.decode("utf-8")
        wire = parse(value, text)
    except (UnicodeDecodeError, ValueError):
        return _at(source, 0, topic, partition, offset, "not a JSON envelope")
    if not isinstance(wire, dict):
        return _at(source, 0, topic, partition, offset, "not a JSON object")
    seq = wire.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < MAX_SEQ:
        return _at(source, 0, topic, partition, offset, "no sequence")
    problem = _problem(source, wire, ESCAPE in value)
    if problem is not None:
        return _at(source, seq, topic, partition, offset, problem)
    try:
        time = datetime.fromisoformat(wire["time"])
    except (TypeError, ValueError):
        return _at(source, seq, topic, partition, offset, "time is not an ISO instant")
    if time.tzinfo is None:
        return _at(source, seq, topic, partition, offset, "time has no offset")
    hash_, prevhash = wire["hash"], wire["prevhash"]
    return Arrival(source, seq, wire, text, time, topic, partition, offset, hash_, prevhash)


def own_problem(arrival: Arrival, value: bytes, keys: Mapping[str, str] | None) -> Break | None:
    """What is wrong with one arrival on its own (as `event_problem`), its hash checked on the
    published bytes first: the relays publish the canonical JSON, so the hash of the message
    without its hash member is `chain_hash` without re-encoding the envelope. A checkpoint,
    or a message whose bytes do not hold, is judged on its canonical form, re-read by the
    standard library (orjson reads an integer beyond 64 bits as a float)."""
    if not is_checkpoint(arrival.wire["type"]) and published_hash_holds(
        value, arrival.prevhash, arrival.hash
    ):
        return None
    return event_problem(json.loads(arrival.text), keys)


def published_hash_holds(value: bytes, prevhash: str, hash_: str) -> bool:
    """Whether `hash` is sha256(prevhash || the message without its `hash` member)."""
    at = value.rfind(HASH_MEMBER)
    if (
        at < 0
        or not prevhash.isascii()
        or value[at + HASH_AT : at + HASH_MEMBER_SIZE - 1] != hash_.encode()
    ):
        return False
    body = value[:at] + value[at + HASH_MEMBER_SIZE :]
    return hashlib.sha256(prevhash.encode() + body).hexdigest() == hash_


def parse(value: bytes, text: str) -> Any:
    """The JSON value of a message: parsed by orjson, or, for what orjson refuses and the
    standard library takes (a lone surrogate's escape, NaN, an integer beyond 64 bits,
    whitespace around it), by the standard library. (orjson reads an integer beyond 64 bits
    as a float: only a hash judged on the canonical form depends on it, see `own_problem`.)"""
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _problem(source: str, wire: dict[str, Any], escaped: bool) -> str | None:
    if wire.get("source") != source:
        return "source is not the topic's service"
    for name, limit in LIMITS.items():
        value = wire.get(name)
        if value is None and name in ("actor", "actororg"):
            continue
        if (
            not isinstance(value, str)
            or not value
            or len(value) > limit
            or (escaped and not storable(value))
        ):
            return f"{name} missing, empty, longer than {limit} or not text"
        if name in ("hash", "prevhash") and not value.isascii():  # chain_hash could not hash it
            return f"{name} is not a hash"
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


def _at(source: str, seq: int, topic: str, partition: int, offset: int, what: str) -> Break:
    return malformed(source, seq, f"{topic} partition {partition} offset {offset}: {what}")


def malformed(source: str, seq: int, detail: str) -> Break:
    """A `malformed` break (its detail cut to what the store keeps)."""
    return Break(source, seq, "malformed", detail[:DETAIL_LENGTH])
