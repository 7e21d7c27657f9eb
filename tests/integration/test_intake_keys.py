"""The key store of crypto-shredding: keys go to authorised services only, and each release
is recorded (real PostgreSQL)."""

from __future__ import annotations

import base64
import json
import uuid

import httpx
import pytest
from sqlalchemy import select

from services.intake.bootstrap import Intake
from services.intake.models import outbox_table
from shared.auth import DEV_JWT_SECRET, mint_token
from shared.crypto import decrypt_field
from tests.integration.conftest import token

pytestmark = pytest.mark.integration

DESK = token("city-montreuil", "intake", "caseworker")


def service_token(sub: str, *roles: str) -> dict[str, str]:
    jwt = mint_token(DEV_JWT_SECRET, user_id=sub, org="passerelle", roles=roles)
    return {"Authorization": f"Bearer {jwt}"}


NOTIFICATIONS = service_token("service:notifications", "service")


async def envelopes(intake: Intake) -> list[dict]:
    async with intake.runtime.sessions() as session:
        rows = await session.execute(select(outbox_table.c.envelope).order_by(outbox_table.c.seq))
        return [json.loads(e) for e in rows.scalars()]


async def test_an_authorised_service_gets_the_key_that_opens_the_persons_fields(
    client: httpx.AsyncClient, intake: Intake
) -> None:
    person_id = (await client.post("/persons", json={"chosen_name": "Lina"}, headers=DESK)).json()[
        "id"
    ]
    released = await client.get(f"/internal/keys/{person_id}", headers=NOTIFICATIONS)
    assert released.status_code == 200, released.text
    assert released.headers["cache-control"] == "no-store"
    data_key = base64.b64decode(released.json()["key"])

    registered = next(
        e for e in await envelopes(intake) if e["type"] == "intake.person_registered.v1"
    )
    assert decrypt_field(data_key, registered["data"]["chosen_name"], aad=person_id) == "Lina"

    release = [e for e in await envelopes(intake) if e["type"] == "intake.person_key_released.v1"]
    assert len(release) == 1
    assert release[0]["data"]["service"] == "notifications"
    assert release[0]["actor"] == "service:notifications"
    assert "key" not in release[0]["data"], "the key itself never travels in an event"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(token("city-montreuil", "coordinator"), id="a coordinator is a person"),
        pytest.param(DESK, id="the registering desk"),
        pytest.param(service_token("service:courses", "service"), id="a service not listed"),
        pytest.param(service_token("service:notifications"), id="a service name without role"),
        pytest.param(service_token("notifications", "service"), id="a user named like a service"),
    ],
)
async def test_keys_are_refused_to_anyone_but_listed_services(
    client: httpx.AsyncClient, intake: Intake, headers: dict[str, str]
) -> None:
    person_id = (await client.post("/persons", json={"chosen_name": "Lina"}, headers=DESK)).json()[
        "id"
    ]
    refused = await client.get(f"/internal/keys/{person_id}", headers=headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "key" not in refused.json()
    assert not [e for e in await envelopes(intake) if e["type"].endswith("key_released.v1")]


async def test_no_key_for_an_unknown_or_erased_person(client: httpx.AsyncClient) -> None:
    unknown = await client.get(f"/internal/keys/{uuid.uuid4()}", headers=NOTIFICATIONS)
    assert unknown.status_code == 404
    assert (await client.get("/internal/keys/not-a-uuid", headers=NOTIFICATIONS)).status_code == 422

    person_id = (await client.post("/persons", json={"chosen_name": "Lina"}, headers=DESK)).json()[
        "id"
    ]
    eraser = token("city-montreuil", "intake")
    assert (await client.post(f"/persons/{person_id}/erasure", headers=eraser)).status_code == 200
    gone = await client.get(f"/internal/keys/{person_id}", headers=NOTIFICATIONS)
    assert gone.status_code == 410
    assert "erased" in gone.json()["detail"]
