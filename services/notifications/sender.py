"""The durable scheduler: due messages are claimed (one worker each, `FOR UPDATE SKIP
LOCKED`), checked again just before sending, sent, and their outcome recorded. A message is
marked `sending` before the provider is called, so a crash never leads to a blind resend:
its fate is looked up at the provider, or recorded as unknown."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.notifications import messages
from services.notifications.container import Notifications
from services.notifications.domain.plans import MIN_LEAD
from services.notifications.domain.quiet import is_quiet, next_allowed
from services.notifications.models import Contact, KnownAppointment, Message, OptOut
from services.notifications.providers.base import (
    Accepted,
    Outgoing,
    Permanent,
    ProviderError,
    Retryable,
    UnknownOutcome,
)
from shared.aio import sleep_or_stop
from shared.crypto import CryptoError, decrypt_field
from shared.db import dialect_name
from shared.events.casework import place_aad
from shared.events.intake import phone_aad
from shared.events.notifications import SmsDelivered, SmsSent
from shared.faults import fault_point
from shared.keystore import KeyStoreUnavailable, PersonKeyGone
from shared.outbox import Metadata
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
ACTOR = Metadata(actor="service:notifications")


@dataclass(frozen=True)
class Ready:
    """A message checked and rendered: where it goes and what it says."""

    to: str
    body: str
    phone_index: str | None
    reference: str  # the message's key: the provider echoes it back


class NotNow(Exception):
    """The message is not sent: `status` (cleared, blocked, or queued to try later)."""

    def __init__(self, status: str, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.until = status, reason, until


PersonKey = bytes | NotNow | None
"""A person's data key, or why it could not be had (None: the message needs none)."""


class Sender:
    """Sends what is due, once."""

    def __init__(self, service: Notifications) -> None:
        self.service = service

    def _uow(self) -> UnitOfWork:
        return self.service.unit_of_work(ACTOR)

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
        now = self.service.clock()
        async with self._uow() as uow:
            query = (
                select(Message)
                .where(
                    col(Message.status) == "queued",
                    col(Message.due_at) <= now,
                    or_(
                        col(Message.next_attempt_at).is_(None), col(Message.next_attempt_at) <= now
                    ),
                )
                .order_by(col(Message.due_at))
                .limit(limit)
            )
            if dialect_name(uow.session) == "postgresql":
                query = query.with_for_update(skip_locked=True)
            claimed = list((await uow.session.execute(query)).scalars())
            for message in claimed:
                message.status, message.attempts = "sending", message.attempts + 1
                message.lease_until = now + self.service.policy.lease
                message.updated_at = now
            await uow.commit()
        return [m.id for m in claimed]

    async def deliver(self, message_id: str) -> None:
        """Check, render and send one claimed message, then record what happened."""
        try:
            key = await self._key_for(message_id)
            ready = await self._check(message_id, key)
        except Exception as exc:  # nothing was sent: give the claim back, try later
            log.warning("sender.prepare_failed", message_id=message_id, error=type(exc).__name__)
            # the check's transaction is closed by now: on SQLite a second one opened inside
            # it would wait for the write lock its own task holds
            await self._not_now(message_id, NotNow("queued", "prepare_failed"))
            return
        if ready is None:
            return
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
            await self._finish(message_id, "failed", exc.reason)
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
            return NotNow("cleared", "person_erased")
        except KeyStoreUnavailable:
            return NotNow("queued", "key_store_unavailable")

    async def _check(self, message_id: str, key: PersonKey) -> Ready | None:
        """The claimed message, ready to go; one that may not go now is settled in the same
        transaction (None), never in a second one opened while this one holds the lock."""
        async with self._uow() as uow:
            message = await uow.session.get(Message, message_id)
            if message is None or message.status != "sending":
                return None
            try:
                return await self._prepare(uow.session, message, key)
            except NotNow as not_now:
                self._settle(uow, message, not_now)
                await uow.commit()
                log.info(
                    "sms.not_sent",
                    message_id=message_id,
                    status=not_now.status,
                    reason=not_now.reason,
                )
                return None

    async def recover(self) -> None:
        """Messages left `sending` by a worker that stopped: ask the provider, never resend
        blindly."""
        now = self.service.clock()
        async with self.service.runtime.sessions() as session:
            rows = await session.execute(
                select(col(Message.id)).where(
                    col(Message.status) == "sending", col(Message.lease_until) < now
                )
            )
            abandoned = list(rows.scalars())
        for message_id in abandoned:
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
            await self._finish(message_id, "unknown", f"{reason}: outcome unknown, not resent")
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
        now = self.service.clock()
        async with self._uow() as uow:
            message = await uow.session.get(Message, message_id)
            # the provider accepted it: record it even if a recovery put it back meanwhile
            if message is None or message.status not in ("sending", "queued", "unknown"):
                return
            message.status, message.sent_at, message.updated_at = "sent", now, now
            message.provider, message.provider_id = self.service.provider.name, accepted.provider_id
            message.lease_until = None
            early_receipt = message.delivered_at
            if phone_index and message.person_id:
                contact = await uow.session.get(Contact, message.person_id)
                if contact is not None:
                    contact.phone_index = phone_index
            uow.record(
                SmsSent(
                    key=message.key,
                    message_id=message.id,
                    appointment_id=message.appointment_id,
                    person_id=message.person_id,
                    kind=message.kind,
                    revision=message.revision,
                    provider=self.service.provider.name,
                    sent_at=now,
                )
            )
            if early_receipt is not None:  # the receipt outran the provider's answer
                message.status = "delivered"
                uow.record(
                    SmsDelivered(
                        key=message.key,
                        message_id=message.id,
                        appointment_id=message.appointment_id,
                        kind=message.kind,
                        revision=message.revision,
                        delivered_at=early_receipt,
                    )
                )
            await uow.commit()
        log.info("sms.sent", message_id=message_id)

    async def _ask_later(self, message_id: str, reason: str) -> None:
        now = self.service.clock()
        async with self._uow() as uow:
            message = await uow.session.get(Message, message_id)
            if message is not None and message.status == "sending":
                message.lease_until = now + self.service.policy.lease
                message.reason = f"lookup failed: {reason}"
                await uow.commit()

    async def _retry_later(self, message_id: str, reason: str) -> None:
        policy, now = self.service.policy, self.service.clock()
        async with self._uow() as uow:
            message = await uow.session.get(Message, message_id)
            if message is None or message.status != "sending":
                return
            if message.attempts >= policy.max_attempts:
                messages.fail(message, uow.record, "failed", f"gave up after {reason}", now)
            else:
                message.status, message.reason, message.lease_until = "queued", reason, None
                message.next_attempt_at = now + policy.retry_base * 2 ** (message.attempts - 1)
                message.updated_at = now
            await uow.commit()
        log.info("sms.retry_later", message_id=message_id, reason=reason)

    async def _finish(self, message_id: str, status: str, reason: str) -> None:
        now = self.service.clock()
        async with self._uow() as uow:
            message = await uow.session.get(Message, message_id)
            if message is not None and message.status == "sending":
                messages.fail(message, uow.record, status, reason, now)
                await uow.commit()

    async def _not_now(self, message_id: str, not_now: NotNow) -> None:
        async with self._uow() as uow:
            message = await uow.session.get(Message, message_id)
            if message is None or message.status != "sending":
                return
            self._settle(uow, message, not_now)
            await uow.commit()
        log.info(
            "sms.not_sent", message_id=message_id, status=not_now.status, reason=not_now.reason
        )

    def _settle(self, uow: UnitOfWork, message: Message, not_now: NotNow) -> None:
        """Queue the message to try later, or end it (cleared, blocked), in `uow`."""
        now = self.service.clock()
        if not_now.status == "queued":
            message.status, message.reason, message.lease_until = "queued", not_now.reason, None
            message.attempts -= 1  # nothing was tried
            message.next_attempt_at = not_now.until or now + self.service.policy.retry_base
            message.updated_at = now
        else:
            messages.settle(message, uow.record, not_now.status, not_now.reason, now)

    async def _prepare(self, session: AsyncSession, message: Message, key: PersonKey) -> Ready:
        """Check again everything that may have changed since the message was planned."""
        if message.to_enc is not None:
            to = self.service.secrets.open_number(message.to_enc, message.key)
            text = self.service.templates.render(
                message.kind,
                message.language,
                starts_at=None,
                zone=None,
                place=None,
                contact_phone=self.service.policy.contact_phone(message.organisation_id),
            )
            return Ready(to, text.text, None, message.key)
        now = self.service.clock()
        appointment = await self._appointment(session, message, now)
        contact = await session.get(Contact, message.person_id)
        if contact is None:
            raise NotNow("blocked", "no_contact")
        if contact.phone_enc is None:
            raise NotNow("blocked", "no_phone")
        if not contact.sms_consent:
            raise NotNow("blocked", "no_sms_consent")
        if not isinstance(key, bytes):  # the key store's answer, given before the transaction
            raise key or NotNow("queued", "no_key")
        try:
            phone = decrypt_field(key, contact.phone_enc, aad=phone_aad(contact.person_id))
            place = decrypt_field(
                key,
                appointment.place_enc,
                aad=place_aad(appointment.case_id, appointment.appointment_id),
            )
        except CryptoError as exc:
            raise NotNow("blocked", "unreadable_contact") from exc
        index = self.service.secrets.phone_index(phone)
        if await session.get(OptOut, index) is not None:
            raise NotNow("blocked", "opted_out")
        self._outside_quiet_hours(contact, now)
        text = self.service.templates.render(
            template_of(message.kind),
            contact.preferred_language,
            starts_at=appointment.starts_at,
            zone=ZoneInfo(appointment.timezone),
            place=place,
            contact_phone=self.service.policy.contact_phone(appointment.organisation_id),
        )
        return Ready(phone, text.text, index, message.key)

    def _outside_quiet_hours(self, contact: Contact, now: datetime) -> None:
        """Late retries, resends and notices wait for the morning in the person's zone too."""
        zone = ZoneInfo(contact.timezone)
        quiet = self.service.policy.quiet
        if is_quiet(now, zone, quiet):
            raise NotNow("queued", "quiet_hours", until=next_allowed(now, zone, quiet))

    async def _appointment(
        self, session: AsyncSession, message: Message, now: datetime
    ) -> KnownAppointment:
        appointment = await session.get(KnownAppointment, message.appointment_id)
        if appointment is None:
            raise NotNow("blocked", "no_appointment")
        if message.kind == "cancellation":
            if appointment.starts_at <= now:
                raise NotNow("cleared", "too_late")
            return appointment
        if appointment.status != "scheduled":
            raise NotNow("cleared", f"appointment_{appointment.status}")
        if appointment.revision != message.revision and message.requested_by is None:
            raise NotNow("cleared", "rescheduled")
        if appointment.starts_at - MIN_LEAD < now:
            raise NotNow("cleared", "too_late")
        return appointment


def template_of(kind: str) -> str:
    """The text a reminder of this kind uses: the default kinds have their own; a configured
    offset uses the day-before text when it is 12 hours or more ahead, else the same-day one."""
    if kind in ("two_days", "two_hours", "cancellation"):
        return kind
    hours = float(kind.removeprefix("h")) if kind.startswith("h") else 48.0
    return "two_days" if hours >= 12 else "two_hours"
