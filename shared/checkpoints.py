"""Signed checkpoints of a service's event chain: the service signs its chain head (sequence,
hash, time) with its own Ed25519 key, so that a log cut short, or rewritten and re-chained,
no longer matches what the service once signed.

A checkpoint's signature covers the canonical JSON of `{"domain", "source", "head_seq",
"head_hash", "signed_at", "key_id"}`; the domain string keeps a checkpoint signature from
ever being valid for anything else. Keys are raw 32-byte Ed25519 keys, written in base64 in
settings; the key id names one of a service's keys, so keys can be rotated while auditors
keep the old public keys to verify old checkpoints."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shared.events.envelope import canonical_json

SIGNATURE_DOMAIN = "passerelle.checkpoint.v1"
CHECKPOINT_NAME = "checkpoint"
"""A service's checkpoints are its `<service>.checkpoint.v1` events, in its own chain."""


class BadKey(ValueError):
    """A key in settings that is not a base64 raw Ed25519 key."""


def checkpoint_type(source: str) -> str:
    """The event type of `source`'s checkpoints."""
    return f"{source}.{CHECKPOINT_NAME}.v1"


def signed_bytes(
    source: str, head_seq: int, head_hash: str, signed_at: datetime, key_id: str
) -> bytes:
    """What a checkpoint's signature covers."""
    return canonical_json(
        {
            "domain": SIGNATURE_DOMAIN,
            "source": source,
            "head_seq": head_seq,
            "head_hash": head_hash,
            "signed_at": signed_at.isoformat(),
            "key_id": key_id,
        }
    )


@dataclass(frozen=True)
class Signed:
    """A chain head as signed: the fields a checkpoint event carries."""

    head_seq: int
    head_hash: str
    signed_at: datetime
    key_id: str
    signature: str  # base64 of the 64-byte Ed25519 signature


@dataclass(frozen=True)
class SigningKey:
    """A service's private checkpoint key and its id."""

    key_id: str
    private: Ed25519PrivateKey

    @classmethod
    def from_base64(cls, key_id: str, private_b64: str) -> SigningKey:
        """The key from its base64 raw 32 bytes (as settings hold it)."""
        return cls(key_id, Ed25519PrivateKey.from_private_bytes(_raw(private_b64, 32)))

    @property
    def public_base64(self) -> str:
        """The public key, base64 of its raw 32 bytes: what auditors are given."""
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    def sign(self, source: str, head_seq: int, head_hash: str, signed_at: datetime) -> Signed:
        """Sign `source`'s chain head."""
        message = signed_bytes(source, head_seq, head_hash, signed_at, self.key_id)
        signature = base64.b64encode(self.private.sign(message)).decode()
        return Signed(head_seq, head_hash, signed_at, self.key_id, signature)


def public_key(public_b64: str) -> Ed25519PublicKey:
    """A public key from its base64 raw 32 bytes."""
    return Ed25519PublicKey.from_public_bytes(_raw(public_b64, 32))


def verify(public_keys: Mapping[str, str], source: str, data: Mapping[str, Any]) -> str | None:
    """Check a checkpoint's data (`head_seq`, `head_hash`, `signed_at`, `key_id`,
    `signature`) against `source`'s public keys by key id; None when it holds, else why not."""
    key_id = str(data.get("key_id", ""))
    known = public_keys.get(key_id)
    if known is None:
        return f"checkpoint signed with key {key_id!r}, unknown for {source}"
    try:
        signed_at = data["signed_at"]
        when = signed_at if isinstance(signed_at, datetime) else datetime.fromisoformat(signed_at)
        message = signed_bytes(source, int(data["head_seq"]), str(data["head_hash"]), when, key_id)
        signature = _raw(str(data["signature"]), 64)
        public_key(known).verify(signature, message)
    except InvalidSignature:
        return f"checkpoint signature does not verify with {source}'s key {key_id!r}"
    except (KeyError, TypeError, ValueError) as exc:
        return f"checkpoint is malformed: {exc}"
    return None


def is_checkpoint(wire: Mapping[str, Any]) -> bool:
    """Whether an envelope is its source's checkpoint."""
    return wire.get("type") == checkpoint_type(str(wire.get("source", "")))


def checkpoint_problem(
    wire: Mapping[str, Any], public_keys: Mapping[str, str] | None
) -> str | None:
    """What is wrong with a checkpoint envelope (None if nothing): it must sign the head just
    before it (its seq - 1 and its prevhash) and, unless `public_keys` is None, verify with
    one of its source's keys."""
    data = wire.get("data")
    if not isinstance(data, Mapping):
        return "checkpoint is malformed: no data"
    seq = wire.get("seq")
    before = seq - 1 if isinstance(seq, int) else None
    if data.get("head_seq") != before:
        return f"checkpoint signs head {data.get('head_seq')}, not the event before it ({before})"
    if data.get("head_hash") != wire.get("prevhash"):
        return f"checkpoint signs another hash for seq {before}: the events up to it were rewritten"
    if public_keys is None:
        return None
    return verify(public_keys, str(wire.get("source", "")), data)


def new_private_base64() -> str:
    """A fresh private key, base64 of its raw 32 bytes."""
    key = Ed25519PrivateKey.generate()
    return base64.b64encode(key.private_bytes_raw()).decode()


def development_key(folder: Path, source: str) -> str:
    """`source`'s development key, made once under `folder` (readable by its owner only)."""
    path = folder / f"{source}.ed25519"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # written whole under a private name, then linked in place: a process starting at the
        # same time never reads a half-written key, and the first one made is the one kept
        draft = folder / f".{source}.ed25519.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(new_private_base64() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _raw(b64: str, size: int) -> bytes:
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadKey("not base64") from exc
    if len(raw) != size:
        raise BadKey(f"expected {size} bytes, found {len(raw)}")
    return raw
