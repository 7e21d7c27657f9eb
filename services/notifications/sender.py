"""The durable scheduler: due messages are claimed (one worker each, `FOR UPDATE SKIP
LOCKED`), checked again just before sending, sent, and their outcome recorded. A message is
marked `sending` before the provider is called, so a crash never leads to a blind resend:
its fate is looked up at the provider, or recorded as unknown."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from services.notifications.container import Notifications
from services.notifications.domain.messages import Status
from services.notifications.domain.sending import NotNow, Ready
from services.notifications.handlers import preparing, sending
from services.notifications.handlers.preparing import PersonKey
from services.notifications.models import Message
from services.notifications.providers.base import (
    Accepted,
    Outgoing,
    Permanent,
    ProviderError,
    Retryable,
    UnknownOutcome,
)
from services.notifications.queries.messages import abandoned
from shared.aio import sleep_or_stop
from shared.faults import fault_point
from shared.keystore import KeyStoreUnavailable, PersonKeyGone
from shared.outbox import Metadata
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
ACTOR = Metadata(actor="service:notifications")
Change = Callable[[UnitOfWork], Awaitable[bool]]


class Sender:
    """Sends what is due, once."""

    def __init__(self, service: Notifications) -> None:
        self.service = service

    def _uow(self) -> UnitOfWork:
        return self.service.unit_of_work(ACTOR)

    async def _apply(self, change: Change) -> bool:
        """Run a change in its own transaction, committed only when it changed something."""
        async with self._uow() as uow:
            if not await change(uow):
                return False
            await uow.commit()
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop`; first wait until the ledger knows what was sent before."""
        ledger = self.service.ledger
        if ledger is not None:
            waiting = asyncio.create_task(ledger.caught_up.wait())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            stopping.cancel()
        while not stop.is_set():
            try:
                await self.tick()
            except Exception as exc:  # the database or key store is away: try again shortly
                log.warning("sender.tick_failed", error=type(exc).__name__)
            await sleep_or_stop(stop, self.service.policy.send_interval)

    async def tick(self, most: int = 50) -> int:
        """One round: settle abandoned sends, then claim and send what is due, one message at
        a time (a claim's lease covers one send, never a queue of them)."""
        await self.recover()
        sent = 0
        while sent < most and (claimed := await self.claim(limit=1)):
            await self.deliver(claimed[0])
            sent += 1
        return sent

    async def claim(self, limit: int = 1) -> list[str]:
        """Take due messages for this worker only (others skip the locked rows)."""
        now, lease = self.service.clock(), self.service.policy.lease
        async with self._uow() as uow:
            claimed = await sending.claim(uow, now, lease, limit)
            await uow.commit()
        return claimed

    async def deliver(self, message_id: str) -> None:
        """Check, render and send one claimed message, then record what happened."""
        try:
            key = await self._key_for(message_id)
            ready = await self._check(message_id, key)
        except Exception as exc:  # nothing was sent: give the claim back, try later
            log.warning("sender.prepare_failed", message_id=message_id, error=type(exc).__name__)
            # the check's transaction is closed by now: on SQLite a second one opened inside
            # it would wait for the write lock its own task holds
            await self._not_now(message_id, NotNow(Status.QUEUED, "prepare_failed"))
            return
        if ready is not None:
            await self._send(message_id, ready)

    async def _send(self, message_id: str, ready: Ready) -> None:
        """Hand the message to the provider and record what it answered."""
        outgoing = Outgoing(
            to=ready.to,
            body=ready.body,
            reference=ready.reference,
            status_callback=f"{self.service.settings.public_url}/webhooks/sms/status",
        )
        try:
            accepted = await self.service.provider.send(outgoing)
        except Retryable as exc:
            await self._retry_later(message_id, exc.reason)
            return
        except Permanent as exc:
            await self._finish(message_id, Status.FAILED, exc.reason)
            return
        except UnknownOutcome as exc:
            # the provider may still be working on it: look it up only after the lease
            await self._ask_later(message_id, exc.reason)
            return
        fault_point("notifications.after_provider_accept")
        await self._sent(message_id, accepted, ready.phone_index)

    async def _key_for(self, message_id: str) -> PersonKey:
        """The person's data key, fetched before the check's transaction opens: the key store
        is another service, and SQLite's write lock is never held while it answers."""
        async with self.service.runtime.sessions() as session:
            message = await session.get(Message, message_id)
            person_id = message.person_id if message and message.to_enc is None else None
        if person_id is None:
            return None
        try:
            return await self.service.keys.key(person_id)
        except PersonKeyGone:
            return NotNow(Status.CLEARED, "person_erased")
        except KeyStoreUnavailable:
            return NotNow(Status.QUEUED, "key_store_unavailable")

    async def _check(self, message_id: str, key: PersonKey) -> Ready | None:
        """The claimed message, ready to go; one that may not go now is settled in the same
        transaction (None), never in a second one opened while this one holds the lock."""
        service = self.service
        async with self._uow() as uow:
            message = await uow.session.get(Message, message_id)
            if message is None or message.status != Status.SENDING:
                return None
            try:
                return await preparing.prepare(
                    uow.session,
                    message,
                    key,
                    secrets=service.secrets,
                    templates=service.templates,
                    policy=service.policy,
                    now=service.clock(),
                )
            except NotNow as not_now:
                sending.settle(uow, message, not_now, service.clock(), service.policy.retry_base)
                await uow.commit()
                _not_sent(message_id, not_now)
                return None

    async def recover(self) -> None:
        """Messages left `sending` by a worker that stopped: ask the provider, never resend
        blindly."""
        now = self.service.clock()
        async with self.service.runtime.sessions() as session:
            left = await abandoned(session, now)
        for message_id in left:
            log.info("sender.abandoned_send", message_id=message_id)
            await self._resolve(message_id, "abandoned")

    async def _resolve(self, message_id: str, reason: str) -> None:
        provider = self.service.provider
        async with self.service.runtime.sessions() as session:
            message = await session.get(Message, message_id)
            key = message.key if message else None
        if key is None:
            return
        if not provider.can_find:
            await self._finish(message_id, Status.UNKNOWN, f"{reason}: outcome unknown, not resent")
            return
        try:
            found = await provider.find(key)
        except ProviderError as exc:  # the provider cannot tell now: ask again after the lease
            await self._ask_later(message_id, exc.reason)
            return
        if found is None:
            await self._retry_later(message_id, f"{reason}: the provider has no trace of it")
            return
        await self._sent(message_id, Accepted(found.provider_id, found.status), None)

    async def _sent(self, message_id: str, accepted: Accepted, phone_index: str | None) -> None:
        now, name = self.service.clock(), self.service.provider.name
        provider_id = accepted.provider_id
        if await self._apply(
            lambda uow: sending.accepted(uow, message_id, name, provider_id, phone_index, now)
        ):
            log.info("sms.sent", message_id=message_id)

    async def _ask_later(self, message_id: str, reason: str) -> None:
        now, lease = self.service.clock(), self.service.policy.lease
        await self._apply(lambda uow: sending.look_up_later(uow, message_id, reason, now, lease))

    async def _retry_later(self, message_id: str, reason: str) -> None:
        policy, now = self.service.policy, self.service.clock()
        if await self._apply(lambda uow: sending.retry_later(uow, message_id, reason, now, policy)):
            log.info("sms.retry_later", message_id=message_id, reason=reason)

    async def _finish(self, message_id: str, status: Status, reason: str) -> None:
        now = self.service.clock()
        await self._apply(lambda uow: sending.finish(uow, message_id, status, reason, now))

    async def _not_now(self, message_id: str, not_now: NotNow) -> None:
        now, base = self.service.clock(), self.service.policy.retry_base
        if await self._apply(lambda uow: sending.not_now(uow, message_id, not_now, now, base)):
            _not_sent(message_id, not_now)


def _not_sent(message_id: str, not_now: NotNow) -> None:
    log.info("sms.not_sent", message_id=message_id, status=not_now.status, reason=not_now.reason)
