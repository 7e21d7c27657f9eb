"""A signed provider callback replayed changes nothing (notifications, PostgreSQL and SQLite)."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.notifications.app import create_app
from services.notifications.bootstrap import Notifications, bootstrap
from services.notifications.handlers import messages
from services.notifications.models import Message, OptOut, ProviderCallback, outbox_table
from services.notifications.providers.signature import sign
from services.notifications.settings import NotificationsSettings, TwilioSettings
from shared.auth import AuthSettings
from shared.checkpoints import new_private_base64
from shared.db import create_engine
from shared.events.notifications import OptedIn, SmsDelivered
from shared.migrations import upgrade
from shared.outbox import Metadata
from shared.settings import CheckpointSettings

pytestmark = pytest.mark.integration

TOKEN = "replay-test-provider-token"
PUBLIC_URL = "http://notifications.test"
NUMBER = "+33612345678"


@dataclass
class World:
    service: Notifications
    http: httpx.AsyncClient

    async def post(self, path: str, params: dict[str, str]) -> httpx.Response:
        """A callback signed with the provider's token, as the provider sends it."""
        return await self.http.post(
            path,
            content=urlencode(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign(TOKEN, PUBLIC_URL + path, params),
            },
        )

    async def events(self, event_type: str) -> int:
        query = select(func.count()).where(outbox_table.c.type == event_type)
        async with self.service.runtime.sessions() as session:
            return int((await session.execute(query)).scalar_one())


@pytest.fixture(params=["sqlite", "postgresql"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    """Notifications alone, on a fresh database, with the Twilio-compatible webhooks."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    settings = NotificationsSettings(
        database_url=url,
        auth=AuthSettings(jwt_secret=SecretStr(base64.b64encode(os.urandom(32)).decode())),
        secret_key=SecretStr(base64.b64encode(os.urandom(32)).decode()),
        provider="twilio",
        twilio=TwilioSettings(base_url="http://127.0.0.1:9", auth_token=SecretStr(TOKEN)),
        public_url=PUBLIC_URL,
        checkpoint=CheckpointSettings(
            signing_key=SecretStr(new_private_base64()), key_id="notifications-1"
        ),
    )
    service = bootstrap(settings, key_store_http=httpx.AsyncClient(base_url="http://127.0.0.1:9"))
    await upgrade(service.runtime.engine, service.runtime.migrations)
    transport = httpx.ASGITransport(app=create_app(service))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield World(service, http)
    await service.close()


async def opted_out(world: World) -> bool:
    index = world.service.secrets.phone_index(NUMBER)
    async with world.service.runtime.sessions() as session:
        return await session.get(OptOut, index) is not None


async def test_a_replayed_start_does_not_undo_a_later_stop(world: World) -> None:
    inbound = "/webhooks/sms/inbound"
    for sid, body in [("SMa", "STOP"), ("SMb", "START"), ("SMc", "STOP")]:
        answered = await world.post(inbound, {"From": NUMBER, "Body": body, "MessageSid": sid})
        assert answered.status_code == 200, answered.text
    assert await opted_out(world)

    replayed = await world.post(inbound, {"From": NUMBER, "Body": "START", "MessageSid": "SMb"})
    assert replayed.status_code == 200
    assert await opted_out(world), "the old START, replayed, re-subscribed the number"
    assert await world.events(OptedIn.TYPE) == 1


async def sent_message(world: World, provider_id: str) -> str:
    """A reminder the provider accepted as `provider_id`."""
    now = world.service.clock()
    async with world.service.unit_of_work(Metadata()) as uow:
        message = await messages.plan(
            uow.session, uow.record, key="k1", kind="two_days", revision=1, due_at=now, now=now
        )
        assert message is not None
        message.status, message.provider_id, message.sent_at = "sent", provider_id, now
        await uow.commit()
        return message.id


async def test_a_replayed_receipt_makes_no_second_event(world: World) -> None:
    message_id = await sent_message(world, "SMsent1")
    status = "/webhooks/sms/status"
    for state in ("sent", "delivered"):  # one message, several receipts: none is a replay
        answered = await world.post(status, {"MessageSid": "SMsent1", "MessageStatus": state})
        assert answered.status_code == 204
    replayed = await world.post(status, {"MessageSid": "SMsent1", "MessageStatus": "delivered"})
    assert replayed.status_code == 204

    assert await world.events(SmsDelivered.TYPE) == 1
    async with world.service.runtime.sessions() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        assert message.status == "delivered"
        handled = await session.execute(
            select(ProviderCallback.status).where(ProviderCallback.provider_id == "SMsent1")
        )
        assert sorted(handled.scalars()) == ["delivered", "sent"]


async def test_an_overlong_provider_id_is_a_400(world: World) -> None:
    answered = await world.post(
        "/webhooks/sms/status", {"MessageSid": "SM" + "x" * 100, "MessageStatus": "delivered"}
    )
    assert answered.status_code == 400
    assert answered.headers["content-type"] == "application/problem+json"


async def test_the_migration_keys_callbacks_on_both_databases(world: World) -> None:
    """Two rows with one (kind, provider id, status) cannot exist, whoever writes them."""
    engine = create_engine(world.service.settings.database_url)
    row = {"kind": "inbound", "provider_id": "SMz", "status": "received"}
    table = ProviderCallback.__table__
    try:
        async with engine.begin() as connection:
            await connection.execute(table.insert(), {**row, "received_at": world.service.clock()})
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(
                    table.insert(), {**row, "received_at": world.service.clock()}
                )
    finally:
        await engine.dispose()
