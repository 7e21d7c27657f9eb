"""Intake's key store is a published HTTP contract (shared.keystore is its client): the route's
OpenAPI is snapshotted like the events, and the client reads what the contract promises."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from services.intake.app import create_app
from services.intake.bootstrap import bootstrap
from services.intake.settings import IntakeSettings
from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.keystore import KEY_PATH

SNAPSHOT = Path(__file__).parent / "http" / "intake.keystore.json"
PROSE = {"description", "summary", "operationId", "title"}
"""Words about the contract, not the contract: rewording a docstring changes none of it."""


def operation() -> dict[str, Any]:
    """The key store's operation in intake's OpenAPI, its schemas resolved in place."""
    settings = IntakeSettings(
        development=True,
        database_url="sqlite+aiosqlite:///:memory:",
        master_key=base64.b64encode(bytes(32)).decode(),
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )
    document = create_app(bootstrap(settings)).openapi()
    found = document["paths"][KEY_PATH]["get"]
    return {"path": KEY_PATH, "get": resolve(found, document["components"]["schemas"])}


def resolve(node: Any, schemas: dict[str, Any]) -> Any:
    """`node` with every `$ref` to a component schema replaced by the schema itself, and
    without its prose."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            return resolve(schemas[ref.rsplit("/", 1)[1]], schemas)
        return {
            key: resolve(value, schemas)
            for key, value in node.items()
            if not (key in PROSE and isinstance(value, str))
        }
    if isinstance(node, list):
        return [resolve(item, schemas) for item in node]
    return node


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    return operation()


def test_the_key_store_route_matches_its_snapshot(contract: dict[str, Any]) -> None:
    text = json.dumps(contract, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), "no snapshot of the key store: run with UPDATE_SNAPSHOTS=1"
    assert text == SNAPSHOT.read_text(), "the key store's HTTP contract changed"


def test_the_client_reads_what_the_contract_promises(contract: dict[str, Any]) -> None:
    responses = contract["get"]["responses"]
    released = responses["200"]["content"]["application/json"]["schema"]
    assert "key" in released["required"], "the client reads `key`"
    assert released["properties"]["key"]["type"] == "string"
    # the client tells an erasure (410, or a problem+json 404) from a fault (anything else)
    for status in ("404", "410"):
        assert "application/problem+json" in responses[status]["content"], status
    parameters = {p["name"]: p for p in contract["get"]["parameters"]}
    assert parameters["person_id"]["in"] == "path"
