"""A preferred language can hint at a nationality: it leaves intake encrypted with the person's
key, like the phone, and notifications opens it with the key to write in the person's language."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from shared.consumer import Outcome
from shared.crypto import decrypt_field
from shared.events.envelope import Envelope
from shared.events.intake import PersonRegistered, PersonUpdated, language_aad
from shared.kafka import IncomingRecord
from tests.integration.conftest import NotificationsWorld, token

pytestmark = pytest.mark.integration

CITY = "city-montreuil"
DESK = token(CITY, "intake", "caseworker")


async def intake_events(world: NotificationsWorld, person_id: str) -> list[dict[str, Any]]:
    """The envelopes intake wrote about the person, as they go to Kafka."""
    runtime = world.casework.intake.runtime
    table = runtime.outbox.table
    async with runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.envelope).where(table.c.key == person_id).order_by(table.c.seq)
        )
        return [json.loads(envelope) for envelope in rows.scalars()]


async def language_in_notifications(world: NotificationsWorld, person_id: str) -> str:
    await world.sync()
    contact = await world.http.get(f"/contacts/{person_id}", headers=DESK)
    assert contact.status_code == 200, contact.text
    return str(contact.json()["preferred_language"])


async def test_the_language_travels_encrypted_and_notifications_still_uses_it(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    body = {"chosen_name": "Awa", "preferred_language": "prs-AF"}
    person_id = (await client.post("/persons", json=body, headers=DESK)).json()["id"]
    assert await language_in_notifications(notifications, person_id) == "prs-AF"

    changed = await client.patch(
        f"/persons/{person_id}", json={"preferred_language": "ar-MA"}, headers=DESK
    )
    assert changed.status_code == 200, changed.text
    moved = await client.patch(f"/persons/{person_id}", json={"timezone": "UTC"}, headers=DESK)
    assert moved.status_code == 200, moved.text
    assert await language_in_notifications(notifications, person_id) == "ar-MA"

    events = await intake_events(notifications, person_id)
    for envelope in events:
        assert envelope["data"].get("preferred_language") is None, "never in clear, new events"
        for language in ("prs-AF", "ar-MA"):
            assert language not in json.dumps(envelope)
    wanted = (PersonRegistered.TYPE, PersonUpdated.TYPE)
    registered, updated, other = (e["data"] for e in events if e["type"] in wanted)
    key = await notifications.service.keys.key(person_id)
    sealed = [registered["preferred_language_enc"], updated["preferred_language_enc"]]
    opened = [decrypt_field(key, str(token), aad=language_aad(person_id)) for token in sealed]
    assert opened == ["prs-AF", "ar-MA"]
    assert other["preferred_language_enc"] is None, "an edit of something else leaves it out"


async def test_no_language_stated_or_the_language_removed_means_french(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    silent = (await client.post("/persons", json={"chosen_name": "Ali"}, headers=DESK)).json()
    body = {"chosen_name": "Binta", "preferred_language": "wo"}
    spoken = (await client.post("/persons", json=body, headers=DESK)).json()
    assert await language_in_notifications(notifications, silent["id"]) == "fr"
    assert await language_in_notifications(notifications, spoken["id"]) == "wo"
    removed = await client.patch(
        f"/persons/{spoken['id']}", json={"preferred_language": None}, headers=DESK
    )
    assert removed.status_code == 200, removed.text
    assert await language_in_notifications(notifications, spoken["id"]) == "fr"


async def test_events_of_the_history_with_the_language_in_clear_still_apply(
    notifications: NotificationsWorld,
) -> None:
    """Events written before the language was encrypted are read as they are."""
    person_id = str(uuid.uuid4())
    registered = {
        "person_id": person_id,
        "organisation_id": CITY,
        "chosen_name": "enc:v1:AAAA",
        "preferred_language": "ta",
        "registered_at": "2025-01-01T09:00:00Z",
    }
    updated = {
        "person_id": person_id,
        "changed": ["preferred_language"],
        "preferred_language": "ta-LK",
        "sms_consent": False,
        "timezone": "Europe/Paris",
        "updated_at": "2025-02-01T09:00:00Z",
    }
    runner = notifications.runners["intake.events"]
    for offset, (event_type, data) in enumerate(
        [(PersonRegistered.TYPE, registered), (PersonUpdated.TYPE, updated)]
    ):
        envelope = Envelope(
            id=str(uuid.uuid4()),
            source="intake",
            type=event_type,
            subject=person_id,
            time=datetime(2025, 1, 1, tzinfo=UTC),
            data=data,
        )
        record = IncomingRecord(
            "intake.events", 0, offset, person_id, json.dumps(envelope.to_wire()).encode()
        )
        assert await runner.handle(record) is Outcome.APPLIED
    assert await language_in_notifications(notifications, person_id) == "ta-LK"


async def test_the_keys_are_fetched_before_the_transaction_opens(
    client: httpx.AsyncClient, notifications: NotificationsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key store's answer never holds the database (on SQLite, every other writer waits)."""
    people = []
    for name in ("Awa", "Binta", "Chen"):
        body = {"chosen_name": name, "preferred_language": "wo"}
        people.append((await client.post("/persons", json=body, headers=DESK)).json()["id"])
    open_transactions = 0

    def began(_connection: object) -> None:
        nonlocal open_transactions
        open_transactions += 1

    def ended(_connection: object) -> None:
        nonlocal open_transactions
        open_transactions -= 1

    engine = notifications.service.runtime.engine.sync_engine
    event.listen(engine, "begin", began)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)
    during: list[int] = []
    key_store = notifications.service.keys._http
    fetch = key_store.get

    async def recorded(*args: Any, **kwargs: Any) -> httpx.Response:
        during.append(open_transactions)
        return await fetch(*args, **kwargs)

    monkeypatch.setattr(key_store, "get", recorded)
    runtime = notifications.casework.intake.runtime
    table = runtime.outbox.table
    async with runtime.sessions() as session:
        rows = await session.execute(
            select(table.c.seq, table.c.key, table.c.envelope)
            .where(table.c.type == PersonRegistered.TYPE)
            .order_by(table.c.seq)
        )
        records = [
            IncomingRecord("intake.events", 0, seq, key, envelope.encode())
            for seq, key, envelope in rows
        ]
    await notifications.runners["intake.events"].handle_batch(records)

    assert during == [0, 0, 0], "one key each, fetched while no transaction was open"
    for person_id in people:
        contact = await notifications.http.get(f"/contacts/{person_id}", headers=DESK)
        assert contact.json()["preferred_language"] == "wo"
