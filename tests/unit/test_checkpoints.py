"""Checkpoint signatures: a chain head signed by a service verifies with its public key only,
and any change to what was signed (sequence, hash, time, key id, source) is refused; in a log,
an edit re-chained after it is found at the next checkpoint; each service has its own key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from services.casework.settings import CaseworkSettings
from shared.auth import AuthSettings
from shared.chain import verify_chain
from shared.checkpoints import (
    BadKey,
    SigningKey,
    checkpoint_type,
    development_key,
    new_private_base64,
    verify,
)
from shared.events.catalog import default_registry
from shared.events.checkpoints import Checkpoint
from shared.events.envelope import GENESIS_HASH, Envelope, canonical_json, chain_hash
from shared.settings import CheckpointSettings

AT = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
HEAD = "ab" * 32
OWN_AUTH = AuthSettings(jwt_secret=SecretStr("a-token-secret-of-our-own-0123456789"))


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


# A log with checkpoints, as the outbox writes it: verify-log checks each one.

Row = tuple[int, str, str]


def wire_of(seq: int, prevhash: str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    wire = Envelope(
        id=f"id-{seq}",
        source="intake",
        type=event_type,
        subject="intake" if event_type == checkpoint_type("intake") else f"person-{seq % 3}",
        time=AT,
        data=data,
        seq=seq,
        prevhash=prevhash,
    ).to_wire()
    wire["hash"] = chain_hash(prevhash, wire)
    return wire


def chained(wires: list[dict[str, Any]], key: SigningKey, start: int = 0) -> list[Row]:
    """Re-chain `wires` from `start` on (recomputing every hash, re-signing nothing)."""
    prevhash = wires[start - 1]["hash"] if start else GENESIS_HASH
    for wire in wires[start:]:
        wire["prevhash"] = prevhash
        wire["hash"] = prevhash = chain_hash(prevhash, wire)
    return [(w["seq"], canonical_json(w).decode(), w["hash"]) for w in wires]


def build_log(key: SigningKey, events: int = 12, every: int = 5) -> list[dict[str, Any]]:
    """`events` events with a checkpoint after every `every` of them, signed with `key`."""
    wires: list[dict[str, Any]] = []
    prevhash, seq = GENESIS_HASH, 0
    for n in range(events):
        seq += 1
        wires.append(wire_of(seq, prevhash, "intake.person_registered.v1", {"n": n}))
        prevhash = wires[-1]["hash"]
        if (n + 1) % every == 0:
            seq += 1
            data = Checkpoint.of(key.sign("intake", seq - 1, prevhash, AT)).model_dump(mode="json")
            wires.append(wire_of(seq, prevhash, checkpoint_type("intake"), data))
            prevhash = wires[-1]["hash"]
    return wires


def rows_of(wires: list[dict[str, Any]]) -> list[Row]:
    return [(w["seq"], canonical_json(w).decode(), w["hash"]) for w in wires]


def test_the_log_verifies_with_its_checkpoints_and_names_the_last() -> None:
    key = SigningKey.from_base64("intake-1", new_private_base64())
    report = verify_chain(rows_of(build_log(key)), public_keys={"intake-1": key.public_base64})
    assert report.ok, report.reason
    assert (report.checked, report.checkpoints, report.last_checkpoint_seq) == (14, 2, 12)
    assert report.last_checkpoint_at is not None
    assert datetime.fromisoformat(report.last_checkpoint_at) == AT


def test_an_edit_rechained_after_it_breaks_at_the_next_checkpoint() -> None:
    key = SigningKey.from_base64("intake-1", new_private_base64())
    wires = build_log(key)
    wires[6]["data"] = {"n": 999}  # seq 7, between the checkpoints at 6 and 12
    report = verify_chain(chained(wires, key, 6), public_keys={"intake-1": key.public_base64})
    assert not report.ok
    assert report.broken_at == 12
    assert report.reason == (
        "checkpoint signs another hash for seq 11: the events up to it were rewritten"
    )
    assert (report.checkpoints, report.last_checkpoint_seq) == (1, 6)


def test_a_rechained_checkpoint_pointing_at_the_new_head_fails_its_signature() -> None:
    key = SigningKey.from_base64("intake-1", new_private_base64())
    wires = build_log(key)
    wires[6]["data"] = {"n": 999}
    chained(wires, key, 6)
    wires[11]["data"] = wires[11]["data"] | {"head_hash": wires[10]["hash"]}
    report = verify_chain(chained(wires, key, 11), public_keys={"intake-1": key.public_base64})
    assert not report.ok
    assert report.broken_at == 12
    assert report.reason == "checkpoint signature does not verify with intake's key 'intake-1'"


def test_a_checkpoint_signed_with_another_key_is_a_break() -> None:
    key = SigningKey.from_base64("intake-1", new_private_base64())
    other = SigningKey.from_base64("intake-1", new_private_base64())
    rows = rows_of(build_log(other))
    report = verify_chain(rows, public_keys={"intake-1": key.public_base64})
    assert (report.ok, report.broken_at, report.checkpoints) == (False, 6, 0)
    unknown = verify_chain(rows, public_keys={"intake-2": key.public_base64})
    assert unknown.reason == "checkpoint signed with key 'intake-1', unknown for intake"
    rotated = {"intake-0": key.public_base64, "intake-1": other.public_base64}
    assert verify_chain(rows, public_keys=rotated).ok, "an earlier key still verifies"


def test_without_keys_a_checkpoint_must_still_sign_the_head_before_it() -> None:
    key = SigningKey.from_base64("intake-1", new_private_base64())
    wires = build_log(key)
    assert verify_chain(rows_of(wires)).ok
    wires[5]["data"] = wires[5]["data"] | {"head_seq": 4}
    report = verify_chain(chained(wires, key, 5))
    assert (report.ok, report.broken_at) == (False, 6)


def test_the_checkpoint_of_each_service_is_a_known_contract() -> None:
    key = SigningKey.from_base64("k", new_private_base64())
    data = Checkpoint.of(key.sign("housing", 3, HEAD, AT)).model_dump(mode="json")
    for source in ("intake", "casework", "notifications", "housing", "audit"):
        contract = default_registry().contract_for(checkpoint_type(source))
        assert contract.model_validate(data).aggregate_key() == source
    assert verify({"k": key.public_base64}, "housing", data) is None


# Settings: each service's key, refused when missing outside development.


def test_outside_development_a_service_needs_its_own_checkpoint_key() -> None:
    common: dict[str, Any] = {"database_url": "sqlite+aiosqlite:///:memory:", "auth": OWN_AUTH}
    with pytest.raises(ValidationError) as refused:
        CaseworkSettings(**common)
    message = str(refused.value)
    assert "CASEWORK_CHECKPOINT__SIGNING_KEY" in message
    assert "CASEWORK_DEVELOPMENT=true" in message
    with pytest.raises(ValidationError, match="not a base64 raw Ed25519 private key") as bad:
        CaseworkSettings(**common, checkpoint={"signing_key": "c2VjcmV0", "key_id": "c-1"})
    assert "c2VjcmV0" not in str([e["msg"] for e in bad.value.errors()]), "a key is never quoted"
    private = new_private_base64()
    settings = CaseworkSettings(**common, checkpoint={"signing_key": private, "key_id": "c-1"})
    key = settings.checkpoint.signing("casework", development=False)
    assert (key.key_id, key.public_base64) == (
        "c-1",
        SigningKey.from_base64("c-1", private).public_base64,
    )
    assert settings.secrets_in_use()["CHECKPOINT__SIGNING_KEY"] == private


def test_in_development_the_key_is_made_once_under_the_local_folder(tmp_path: Path) -> None:
    old = SigningKey.from_base64("casework-0", new_private_base64())
    checkpoint = CheckpointSettings(
        dev_key_dir=tmp_path / "keys", public_keys={"casework-0": old.public_base64}
    )
    key = checkpoint.signing("casework", development=True)
    assert key.key_id == "casework-dev"
    assert (tmp_path / "keys" / "casework.ed25519").exists()
    assert checkpoint.signing("casework", development=True).public_base64 == key.public_base64
    assert checkpoint.verifying(key) == {
        "casework-0": old.public_base64,
        "casework-dev": key.public_base64,
    }
    assert not list((tmp_path / "keys").glob(".*")), "no draft is left behind"
