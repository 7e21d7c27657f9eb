"""What every fold of history shares, without I/O: an event as audit keeps it, the events up
to an instant in the order they happened, and an event's data read through its contract.

A file "as it was" at an instant is computed from the events published up to that instant
(their envelope's `time`, the producer's clock when it recorded them), oldest first; events
of one instant are ordered by source and sequence, as every timeline is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from shared.events.base import Event

E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Recorded:
    """One published event as audit reads it back: where it sits in its source's chain, when
    and by whom it was recorded, and its data (ciphertext left as it travelled)."""

    source: str
    seq: int
    type: str
    time: datetime
    subject: str
    data: Mapping[str, Any] = field(default_factory=dict)
    actor: str | None = None
    actororg: str | None = None

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Recorded:
        """The event of an envelope's JSON object (as stored, exactly as published)."""
        time = wire["time"]
        return cls(
            source=str(wire["source"]),
            seq=int(wire.get("seq") or 0),
            type=str(wire["type"]),
            time=time if isinstance(time, datetime) else datetime.fromisoformat(str(time)),
            subject=str(wire.get("subject", "")),
            data=dict(wire.get("data") or {}),
            actor=wire.get("actor"),
            actororg=wire.get("actororg"),
        )

    @property
    def order(self) -> tuple[datetime, str, int]:
        """Where the event sits in a timeline across sources: time, then source and sequence."""
        return (self.time, self.source, self.seq)


def in_order(events: Iterable[Recorded]) -> list[Recorded]:
    """The events oldest first (ties by source, then sequence), each once."""
    unique = {(e.source, e.seq): e for e in events}
    return sorted(unique.values(), key=lambda e: e.order)


def until(events: Iterable[Recorded], as_of: datetime | None) -> list[Recorded]:
    """The events recorded up to `as_of` included (all of them without it), in order."""
    return [e for e in in_order(events) if as_of is None or e.time <= as_of]


def contracts_of(*modules: Iterable[type[Event]]) -> dict[str, type[Event]]:
    """The contracts of some producers by type (`shared.events.<producer>.CONTRACTS`)."""
    return {contract.TYPE: contract for group in modules for contract in group}


def read(event: Recorded, contract: type[E]) -> E | None:
    """The event's data as its contract reads it, or None if it is of another type or does
    not validate (a malformed event is a chain matter, reported elsewhere, not a state's).

    Fields the contract does not know are dropped, as every consumer drops them: producers
    add fields, and history written later must still read."""
    if event.type != contract.TYPE:
        return None
    known = {k: v for k, v in event.data.items() if k in contract.model_fields}
    try:
        return contract.model_validate(known)
    except ValidationError:
        return None


def decode(event: Recorded, contracts: Mapping[str, type[Event]]) -> Event | None:
    """The event read through whichever contract its type names; None for an unknown type."""
    contract = contracts.get(event.type)
    return None if contract is None else read(event, contract)
