"""The CloudEvents 1.0 envelope (structured JSON mode) and its canonical encoding."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

GENESIS_HASH = "0" * 64
TYPE_PATTERN = re.compile(r"^(?P<service>[a-z_]+)\.(?P<name>[a-z_]+)\.v(?P<version>[1-9][0-9]*)$")


class Envelope(BaseModel):
    """One event as it travels: CloudEvents attributes plus Passerelle's extensions."""

    # unknown extension attributes are ignored, as CloudEvents asks of consumers
    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: str = "1.0"
    id: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=255)
    type: str = Field(max_length=255)
    subject: str = Field(min_length=1, max_length=128)
    time: datetime
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    correlationid: str | None = None
    causationid: str | None = None
    actor: str | None = None
    actororg: str | None = None
    seq: int | None = None
    prevhash: str | None = None
    hash: str | None = None

    @field_validator(
        "id", "source", "type", "subject", "correlationid", "causationid", "actor", "actororg"
    )
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        return value

    @field_validator("specversion")
    @classmethod
    def _only_1_0(cls, value: str) -> str:
        if value != "1.0":
            raise ValueError("only CloudEvents 1.0 is understood")
        return value

    @field_validator("type")
    @classmethod
    def _versioned_type(cls, value: str) -> str:
        if not TYPE_PATTERN.match(value):
            raise ValueError("type must read <service>.<event_name>.v<N>")
        return value

    def to_wire(self) -> dict[str, Any]:
        """The JSON object of this envelope, without absent optional attributes."""
        return self.model_dump(mode="json", exclude_none=True)


def canonical_json(obj: dict[str, Any]) -> bytes:
    """Deterministic JSON bytes: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prevhash: str, wire: dict[str, Any]) -> str:
    """sha256(prevhash || canonical envelope without its own hash), as hex."""
    body = {k: v for k, v in wire.items() if k != "hash"}
    return hashlib.sha256(prevhash.encode("ascii") + canonical_json(body)).hexdigest()


def split_type(event_type: str) -> tuple[str, int]:
    """'intake.person_registered.v2' -> ('intake.person_registered', 2)."""
    match = TYPE_PATTERN.match(event_type)
    if match is None:
        raise ValueError(f"not a versioned event type: {event_type!r}")
    return f"{match['service']}.{match['name']}", int(match["version"])
