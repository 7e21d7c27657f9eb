"""Checkpoint signatures: a chain head signed by a service verifies with its public key only,
and any change to what was signed (sequence, hash, time, key id, source) is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.checkpoints import (
    BadKey,
    SigningKey,
    checkpoint_type,
    development_key,
    new_private_base64,
    verify,
)

AT = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
HEAD = "ab" * 32


def signed_data(key: SigningKey, source: str = "intake") -> dict[str, object]:
    signed = key.sign(source, 41, HEAD, AT)
    return {
        "head_seq": signed.head_seq,
        "head_hash": signed.head_hash,
        "signed_at": signed.signed_at.isoformat(),
        "key_id": signed.key_id,
        "signature": signed.signature,
    }


def test_a_signed_head_verifies_with_the_services_public_key() -> None:
    key = SigningKey.from_base64("intake-2026", new_private_base64())
    assert verify({"intake-2026": key.public_base64}, "intake", signed_data(key)) is None
    assert checkpoint_type("intake") == "intake.checkpoint.v1"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("head_seq", 40),
        ("head_hash", "cd" * 32),
        ("signed_at", "2026-12-06T21:00:01+00:00"),
    ],
)
def test_any_change_to_the_signed_head_is_refused(field: str, value: object) -> None:
    key = SigningKey.from_base64("k1", new_private_base64())
    data = signed_data(key) | {field: value}
    reason = verify({"k1": key.public_base64}, "intake", data)
    assert reason == "checkpoint signature does not verify with intake's key 'k1'"


def test_another_source_another_key_or_an_unknown_key_id_is_refused() -> None:
    key = SigningKey.from_base64("k1", new_private_base64())
    wrong = SigningKey.from_base64("k1", new_private_base64())
    data = signed_data(key)
    assert verify({"k1": key.public_base64}, "casework", data) is not None
    assert verify({"k1": wrong.public_base64}, "intake", data) is not None
    assert verify({"k2": key.public_base64}, "intake", data) == (
        "checkpoint signed with key 'k1', unknown for intake"
    )
    assert verify({"k1": key.public_base64}, "intake", data | {"signature": "x"}) == (
        "checkpoint is malformed: not base64"
    )


def test_a_development_key_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    first = development_key(tmp_path / "keys", "housing")
    assert development_key(tmp_path / "keys", "housing") == first
    assert (tmp_path / "keys" / "housing.ed25519").stat().st_mode & 0o077 == 0
    with pytest.raises(BadKey, match="expected 32 bytes"):
        SigningKey.from_base64("k", "AAAA")
