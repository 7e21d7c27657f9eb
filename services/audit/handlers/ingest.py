"""Storing a batch of what the services published, in one transaction: each new event once,
what it is about, its own checks, then each source's chain linked on from its head."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import BigInteger, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.domain.arrivals import ESCAPE, Arrival, decode, own_problem
from services.audit.domain.chains import Break, is_checkpoint
from services.audit.domain.refs import Ref, event_refs
from services.audit.handlers.breaks import Found, record_breaks
from services.audit.handlers.bulk import insert_events, insert_refs, table_of
from services.audit.handlers.linking import Pending, heads_of, link, waiting_rows
from services.audit.models import ChainHead, EventRef, StoredEvent
from shared.db import dialect_name
from shared.uow import UnitOfWork

Waiting = dict[str, tuple[int, int, list[Pending]]]
"""Per source, after a batch: its head's linked and stored sequence, and the events stored
beyond a hole, waiting to be linked."""


class Record(Protocol):
    """A record read from a topic (the client's own, or a `shared.kafka.IncomingRecord`)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def value(self) -> bytes | None: ...


class Checked(NamedTuple):
    """An arrival with what its own checks found, and what it is about."""

    arrival: Arrival
    problem: Break | None
    refs: set[Ref]


@dataclass
class Prepared:
    """A batch decoded and checked, before anything is stored: the work without I/O, which
    can run in a thread while the batch before it is written."""

    checked: list[Checked] = field(default_factory=list)
    malformed: list[Break] = field(default_factory=list)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    """The offset to commit per (topic, partition) once the batch is stored."""


@dataclass
class Stored:
    """What a batch did: events stored per source, breaks found, sources with events waiting
    for an earlier sequence."""

    events: dict[str, int] = field(default_factory=dict)
    breaks: list[Break] = field(default_factory=list)
    waiting: set[str] = field(default_factory=set)


def prepare(
    records: Sequence[Record],
    sources: Mapping[str, str],
    keys: Mapping[str, Mapping[str, str]],
) -> Prepared:
    """Decode and check `records` (read from the topics `sources` maps to their source)."""
    prepared = Prepared()
    for record in records:
        source = sources[record.topic]
        value = record.value or b""
        decoded = decode(source, record.topic, record.partition, record.offset, value)
        if isinstance(decoded, Break):
            prepared.malformed.append(decoded)
        else:
            problem = own_problem(decoded, value, keys.get(source))
            refs = event_refs(decoded.wire, escaped=ESCAPE in value)
            prepared.checked.append(Checked(decoded, problem, refs))
        key = (record.topic, record.partition)
        prepared.offsets[key] = max(prepared.offsets.get(key, 0), record.offset + 1)
    return prepared


async def store_batch(
    uow: UnitOfWork,
    prepared: Prepared,
    keys: Mapping[str, Mapping[str, str]],
    now: datetime,
    waiting: Waiting | None = None,
) -> Stored:
    """Store a prepared batch: each new event once with its refs, the breaks it reveals, and
    each source's chain linked on from its head. `waiting` keeps, between the batches of one
    worker, the events waiting for a hole (read again from the store when it is not sure)."""
    waiting = {} if waiting is None else waiting
    found: list[Found] = [(b, None) for b in prepared.malformed]
    arrivals = [c.arrival for c in prepared.checked]
    touched = sorted({a.source for a in arrivals} | {b.source for b, _ in found})
    heads = await heads_of(uow.session, touched, now)
    fresh, forks = await _sort_out(uow.session, prepared.checked, heads, waiting)
    found += forks + [(c.problem, None) for c in fresh if c.problem is not None]
    stored = Stored()
    previously = {source: head.stored_seq for source, head in heads.items()}
    for source, events in (await _insert(uow.session, fresh, now)).items():
        head = heads[source]
        stored.events[source] = len(events)
        head.events += len(events)
        head.stored_seq = max(head.stored_seq, max(a.seq for a in events))
        linked = await _link(uow.session, head, events, previously[source], keys, waiting)
        found += [(b, None) for b in linked]
        if head.stored_seq > head.linked_seq:
            stored.waiting.add(source)
        head.updated_at = now
    stored.breaks = await record_breaks(uow, found, heads, now)
    return stored


async def _sort_out(
    session: AsyncSession,
    checked: Sequence[Checked],
    heads: Mapping[str, ChainHead],
    waiting: Waiting,
) -> tuple[list[Checked], list[Found]]:
    """The arrivals to store, and the forks: another event at a sequence already known (a
    redelivered duplicate, same hash, is dropped without a word)."""
    by_source: dict[str, list[Checked]] = defaultdict(list)
    for one in checked:
        by_source[one.arrival.source].append(one)
    fresh: list[Checked] = []
    forks: list[Found] = []
    for source, group in by_source.items():
        seqs = [one.arrival.seq for one in group]
        known = await _known_hashes(session, heads[source], seqs, waiting.get(source))
        for one in group:
            arrival = one.arrival
            stored = known.get(arrival.seq)
            if stored is None:
                known[arrival.seq] = arrival.hash
                fresh.append(one)
            elif stored != arrival.hash:
                forks.append((_fork(arrival, stored), arrival.text))
    return fresh, forks


async def _known_hashes(
    session: AsyncSession,
    head: ChainHead,
    seqs: Sequence[int],
    unlinked: tuple[int, int, list[Pending]] | None,
) -> dict[int, str]:
    """The stored hash of each of `seqs` already stored. Beyond the stored head all are new;
    between the linked and the stored head, the events this worker left waiting are all
    there are, when the head is still as it left it (partitions read unevenly make this the
    usual case: no query); the store is asked for the others (a redelivery)."""
    known: dict[int, str] = {}
    linked, stored = head.linked_seq, head.stored_seq  # read once: the head is instrumented
    if unlinked is not None and unlinked[:2] == (linked, stored):
        between = [seq for seq in seqs if linked < seq <= stored]
        if between:
            hashes = {p.seq: p.hash for p in unlinked[2]}
            known = {seq: hashes[seq] for seq in between if seq in hashes}
        asked = [seq for seq in seqs if seq <= linked]
    else:
        asked = [seq for seq in seqs if seq <= stored]
    if not asked:
        return known
    c = StoredEvent.__table__.c  # type: ignore[attr-defined]
    if dialect_name(session) == "postgresql":  # one parameter, however many sequences
        among = c.seq == any_(bindparam("seqs", asked, type_=ARRAY(BigInteger)))
    else:
        among = c.seq.in_(asked)
    rows = await session.execute(select(c.seq, c.hash).where(c.source == head.source, among))
    return known | {row.seq: row.hash for row in rows}


def _fork(arrival: Arrival, stored: str) -> Break:
    detail = (
        f"another event at a known sequence: hash {arrival.hash[:16]}, "
        f"stored {stored[:16]} ({arrival.topic} partition {arrival.partition} "
        f"offset {arrival.offset})"
    )
    return Break(arrival.source, arrival.seq, "fork", detail)


async def _insert(
    session: AsyncSession, fresh: Sequence[Checked], now: datetime
) -> dict[str, list[Arrival]]:
    """Insert the new events and their refs, many rows per statement; the ones inserted, by
    source (a sequence another writer stored meanwhile is left to the next delivery)."""
    if not fresh:
        return {}
    rows = [_row(one.arrival, now) for one in fresh]
    ids = await insert_events(session, table_of(StoredEvent), rows)
    inserted: dict[str, list[Arrival]] = defaultdict(list)
    refs: list[tuple[int, str, str]] = []
    for one in fresh:
        arrival = one.arrival
        pk = ids.get((arrival.source, arrival.seq))
        if pk is not None:
            inserted[arrival.source].append(arrival)
            refs += [(pk, kind, ref) for kind, ref in one.refs]
    await insert_refs(session, table_of(EventRef), refs)
    return inserted


def _row(arrival: Arrival, now: datetime) -> tuple[Any, ...]:
    """The event's values in `EVENT_COLUMNS` order."""
    wire = arrival.wire
    return (
        arrival.source,
        arrival.seq,
        arrival.hash,
        arrival.prevhash,
        wire["id"],
        wire["type"],
        wire["subject"],
        arrival.time,
        wire.get("actor"),
        wire.get("actororg"),
        arrival.text,
        arrival.topic,
        arrival.partition,
        arrival.offset,
        now,
    )


async def _link(
    session: AsyncSession,
    head: ChainHead,
    events: Sequence[Arrival],
    stored_before: int,
    keys: Mapping[str, Mapping[str, str]],
    waiting: Waiting,
) -> list[Break]:
    new = [Pending(a.seq, a.prevhash, a.hash, a.wire["type"], _if_checkpoint(a)) for a in events]
    if stored_before > head.linked_seq:  # earlier events wait for a hole: take them along
        known = waiting.get(head.source)
        if known is not None and known[:2] == (head.linked_seq, stored_before):
            pending = [*known[2], *new]  # as this worker left them: nobody else wrote since
        else:
            pending = await waiting_rows(session, head.source, head.linked_seq)
    else:
        pending = new
    breaks = link(head, pending, keys.get(head.source, {}))
    linked = head.linked_seq  # read once: the head is instrumented
    still = [p for p in pending if p.seq > linked]
    waiting[head.source] = (linked, head.stored_seq, still)
    return breaks


def _if_checkpoint(arrival: Arrival) -> dict[str, Any] | None:
    # re-read by the standard library, as `own_problem` judges it (rare: no cost to speak of)
    return json.loads(arrival.text) if is_checkpoint(arrival.wire["type"]) else None
