"""Checkpoints: each service's signed chain head, an event in its own chain and on its own
topic (`<service>.checkpoint.v1`, keyed by the service's name). Consumers of a topic know the
type, so they pass over it; auditors check its signature (see `shared.checkpoints`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.checkpoints import Signed, checkpoint_type
from shared.events.base import Event


class Checkpoint(Event):
    """The service signed its chain head: the event just before this one."""

    SOURCE: ClassVar[str]
    AGGREGATE = "source"

    head_seq: int = Field(ge=1, description="the sequence of the event just before this one")
    head_hash: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="that event's hash (this event's prevhash)"
    )
    signed_at: datetime
    key_id: str = Field(min_length=1, description="which of the service's keys signed it")
    signature: str = Field(description="base64 Ed25519 signature of the head (64 bytes)")

    def aggregate_key(self) -> str:
        """A checkpoint is about the whole chain: its key is the service's name."""
        return self.SOURCE

    @classmethod
    def of(cls, signed: Signed) -> Checkpoint:
        """The checkpoint event of a signed head."""
        return cls(
            head_seq=signed.head_seq,
            head_hash=signed.head_hash,
            signed_at=signed.signed_at,
            key_id=signed.key_id,
            signature=signed.signature,
        )


class IntakeCheckpoint(Checkpoint):
    """Intake signed its chain head: the event just before this one."""

    SOURCE = "intake"
    TYPE = checkpoint_type(SOURCE)


class CaseworkCheckpoint(Checkpoint):
    """Casework signed its chain head: the event just before this one."""

    SOURCE = "casework"
    TYPE = checkpoint_type(SOURCE)


class NotificationsCheckpoint(Checkpoint):
    """Notifications signed its chain head: the event just before this one."""

    SOURCE = "notifications"
    TYPE = checkpoint_type(SOURCE)


class HousingCheckpoint(Checkpoint):
    """Housing signed its chain head: the event just before this one."""

    SOURCE = "housing"
    TYPE = checkpoint_type(SOURCE)


class AuditCheckpoint(Checkpoint):
    """Audit signed the head of its own chain: the event just before this one."""

    SOURCE = "audit"
    TYPE = checkpoint_type(SOURCE)


CONTRACTS: tuple[type[Checkpoint], ...] = (
    IntakeCheckpoint,
    CaseworkCheckpoint,
    NotificationsCheckpoint,
    HousingCheckpoint,
    AuditCheckpoint,
)
BY_SOURCE: dict[str, type[Checkpoint]] = {c.SOURCE: c for c in CONTRACTS}
