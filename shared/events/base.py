"""Base class of every event contract: frozen, past tense, versioned."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

Ciphertext = Annotated[
    str,
    Field(pattern=r"^enc:v1:[A-Za-z0-9_-]+={0,2}$", description="personal field, encrypted"),
]
"""A personal field carried as an `enc:v1:` AES-GCM token: never plaintext on Kafka."""


class Event(BaseModel):
    """A fact that happened; `TYPE` is `<service>.<event_name>.v<N>`, `AGGREGATE` names its key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    AGGREGATE: ClassVar[str]

    def aggregate_key(self) -> str:
        """The id this event is about (the Kafka key and the CloudEvents subject)."""
        return str(getattr(self, self.AGGREGATE))
