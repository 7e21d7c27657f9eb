"""Every event contract's JSON schema is snapshotted: a change must be deliberate and additive."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from shared.events.base import Event
from shared.events.catalog import default_registry
from shared.events.docs import CATALOGUE, render

SNAPSHOTS = Path(__file__).parent / "snapshots"
PERSONAL_FIELDS = {"name", "chosen_name", "other_names", "phone", "note", "text", "address"}
CONTRACTS = default_registry().contracts()


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.TYPE)
def test_schema_matches_its_snapshot(contract: type[Event]) -> None:
    schema = json.dumps(contract.model_json_schema(), indent=2, sort_keys=True) + "\n"
    snapshot = SNAPSHOTS / f"{contract.TYPE}.json"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(schema)
    assert snapshot.exists(), f"no snapshot for {contract.TYPE}: run with UPDATE_SNAPSHOTS=1"
    assert schema == snapshot.read_text(), f"{contract.TYPE} changed: add a new version instead"


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.TYPE)
def test_personal_fields_travel_encrypted(contract: type[Event]) -> None:
    properties = contract.model_json_schema()["properties"]
    for field in PERSONAL_FIELDS & set(properties):
        # an optional field is `anyOf: [ciphertext, null]`: every non-null branch is ciphertext
        branches = properties[field].get("anyOf", [properties[field]])
        values = [b for b in branches if b.get("type") != "null"]
        assert values, field
        assert all(b.get("pattern", "").startswith("^enc:v1:") for b in values), field


def test_every_snapshot_names_a_registered_contract() -> None:
    registered = {c.TYPE for c in CONTRACTS}
    stale = {p.stem for p in SNAPSHOTS.glob("*.json")} - registered
    assert not stale, f"snapshots without a contract: {sorted(stale)}"


def test_the_events_catalogue_is_up_to_date() -> None:
    assert CATALOGUE.read_text() == render(), "run: python -m shared.events.docs"
