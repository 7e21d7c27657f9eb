"""Services' event logs made without the services: envelopes in the exact published format
(canonical CloudEvents JSON, hash-chained per source, signed checkpoints every so often),
written straight to topics, for the audit replay's tests and benchmark."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from shared.checkpoints import SigningKey, checkpoint_type
from shared.events.envelope import GENESIS_HASH, canonical_json, chain_hash

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
TYPES = {
    "intake": ("person_registered", "consent_given", "referral_requested", "person_updated"),
    "casework": ("case_opened", "case_assigned", "deadline_set", "note_added", "task_added"),
    "notifications": ("reminder_planned", "sms_sent", "sms_delivered"),
    "housing": ("placement_requested", "bed_offered", "checked_in", "checked_out"),
}
ERASED = "intake.person_erased.v1"
"""One intake event in `erase_every` is a person's erasure (its subject the person's id)."""


def wire(
    source: str,
    seq: int,
    prevhash: str,
    kind: str,
    when: datetime,
    subject: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    """One envelope as the outbox writes it, its hash computed."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": kind,
        "subject": subject,
        "time": when.isoformat(),
        "datacontenttype": "application/json",
        "data": data,
        "correlationid": str(uuid.uuid4()),
        "actor": f"staff-{seq % 37}",
        "actororg": f"org-{seq % 5}",
        "seq": seq,
        "prevhash": prevhash,
    }
    event["hash"] = chain_hash(prevhash, event)
    return event


def chained(
    source: str,
    count: int,
    *,
    key: SigningKey,
    checkpoint_every: int = 100,
    erase_every: int = 0,
    start: datetime = T0,
    step: timedelta = timedelta(seconds=7),
    forged: SigningKey | None = None,
    forged_at: int = 0,
) -> list[dict[str, Any]]:
    """`count` envelopes of `source` from seq 1, a checkpoint after every `checkpoint_every`
    events (the one at `forged_at` signed with `forged`); the subjects are a few hundred
    ids, so events spread over all partitions."""
    events, prevhash = [], GENESIS_HASH
    names = TYPES.get(source, ("thing_done",))
    for seq in range(1, count + 1):
        when = start + step * seq
        if checkpoint_every and seq % (checkpoint_every + 1) == 0:
            signer = forged if forged is not None and seq == forged_at else key
            signed = signer.sign(source, seq - 1, prevhash, when)
            data: dict[str, Any] = {
                "head_seq": seq - 1,
                "head_hash": prevhash,
                "signed_at": when.isoformat(),
                "key_id": signer.key_id,
                "signature": signed.signature,
            }
            event = wire(source, seq, prevhash, checkpoint_type(source), when, source, data)
        else:
            subject = str(uuid.UUID(int=seq % 397 + 1))
            kind = f"{source}.{names[seq % len(names)]}.v1"
            if erase_every and source == "intake" and seq % erase_every == 0:
                kind = ERASED
            data = {"person_id": subject, "sealed": "c2VhbGVk" * 12, "status": "open"}
            event = wire(source, seq, prevhash, kind, when, subject, data)
        events.append(event)
        prevhash = event["hash"]
    return events


def encode(events: Iterable[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs as the relay sends them: the subject, the canonical envelope."""
    return [(str(e["subject"]).encode(), canonical_json(e)) for e in events]


async def publish(bootstrap: str, topic: str, messages: Sequence[tuple[bytes, bytes]]) -> None:
    """Write pre-serialised messages fast: large batches, a short linger, acks from the leader."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks=1,
        linger_ms=20,
        max_batch_size=1024 * 1024,
        max_request_size=8 * 1024 * 1024,
    )
    await producer.start()
    try:
        pending = []
        for key, value in messages:
            pending.append(await producer.send(topic, value, key=key))
            if len(pending) >= 20000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
