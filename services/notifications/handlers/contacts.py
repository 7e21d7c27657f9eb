"""What notifications learns from intake: who can be reached, how, and whether they agreed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import structlog
from sqlalchemy import delete, select, update
from sqlmodel import col

from services.notifications.domain.messages import PENDING, Status
from services.notifications.handlers import messages
from services.notifications.models import (
    Contact,
    HousingNotice,
    KnownAppointment,
    Message,
    SmsConsent,
)
from shared.consumer import MessageContext
from shared.crypto import CryptoError, decrypt_field
from shared.db import add_once
from shared.events.envelope import Envelope
from shared.events.intake import (
    ConsentGiven,
    ConsentWithdrawn,
    PersonErased,
    PersonRegistered,
    PersonUpdated,
    language_aad,
)
from shared.keystore import KeyStoreClient, KeyStoreUnavailable, PersonKeyGone

log = structlog.get_logger(__name__)

SMS_REMINDERS = "sms_reminders"
DEFAULT_LANGUAGE = "fr"
SEALED_LANGUAGE = frozenset({PersonRegistered.TYPE, PersonUpdated.TYPE})


async def on_person_registered(
    ctx: MessageContext, event: PersonRegistered, languages: Languages
) -> None:
    """Record the new person as a contact who may later receive reminders, in their language."""
    if await ctx.session.get(Contact, event.person_id) is not None:
        return
    language = await languages.open(
        event.person_id, event.preferred_language_enc, event.preferred_language
    )
    ctx.session.add(
        Contact(
            person_id=event.person_id,
            organisation_id=event.organisation_id,
            chosen_name_enc=event.chosen_name,
            preferred_language=language,
            registered_at=event.registered_at,
            source_event_id=ctx.envelope.id,
            phone_enc=event.phone,
            sms_consent=event.sms_consent,
            timezone=event.timezone,
        )
    )


async def on_person_updated(
    ctx: MessageContext, event: PersonUpdated, languages: Languages
) -> None:
    """Follow a change of phone, language, time zone or SMS consent."""
    contact = await ctx.session.get(Contact, event.person_id)
    if contact is None:
        return
    if "phone" in event.changed:
        contact.phone_enc, contact.phone_index = event.phone, None
    if "chosen_name" in event.changed and event.chosen_name is not None:
        contact.chosen_name_enc = event.chosen_name
    if "preferred_language" in event.changed:
        contact.preferred_language = await languages.open(
            event.person_id, event.preferred_language_enc, event.preferred_language
        )
    contact.timezone = event.timezone
    if "sms_consent" in event.changed:  # an edit of something else leaves consent as it is
        contact.sms_consent = event.sms_consent


class KeyStoreAway(ConnectionError):
    """The key store did not answer: the event is applied later (a transient failure, never
    parked: the consumer starts again from its last committed offset)."""


class Languages:
    """Opens the preferred languages of intake's events with the persons' keys.

    The keys are fetched in `prefetch`, which the consumer runs before its transaction opens:
    a key store's answer never keeps the database waiting (on SQLite, everyone else's writes)."""

    def __init__(self, keys: KeyStoreClient, *, remember: int = 10_000) -> None:
        self._keys = keys
        self._gone: dict[str, None] = {}  # erased (or unknown) persons: their key never returns
        self._remember = remember

    async def prefetch(self, envelopes: Sequence[Envelope]) -> None:
        """Fetch the keys the batch's encrypted languages need, a few at a time."""
        wanted = {
            e.subject
            for e in envelopes
            if e.type in SEALED_LANGUAGE and e.data.get("preferred_language_enc")
        }
        gate = asyncio.Semaphore(8)

        async def fetch(person_id: str) -> None:
            async with gate:
                with contextlib.suppress(KeyStoreUnavailable):  # the handler says so, later
                    await self._key(person_id)

        await asyncio.gather(*(fetch(p) for p in wanted - self._gone.keys()))

    async def open(self, person_id: str, sealed: str | None, legacy: str | None) -> str:
        """The person's language; older events carried it in clear.

        Messages go out in French when the person stated no preference, and when their key is
        gone (an erased person's registration replayed: the erasure that follows forgets them)."""
        if sealed is None:
            return legacy or DEFAULT_LANGUAGE
        try:
            key = await self._key(person_id)
        except KeyStoreUnavailable as exc:
            raise KeyStoreAway(str(exc)) from exc
        if key is None:
            return DEFAULT_LANGUAGE
        try:
            return decrypt_field(key, sealed, aad=language_aad(person_id))
        except CryptoError:
            log.warning("contact.language_unreadable", person_id=person_id)
            return DEFAULT_LANGUAGE

    async def _key(self, person_id: str) -> bytes | None:
        """The person's key (the client keeps it a while), None once it is gone."""
        if person_id in self._gone:
            return None
        try:
            return await self._keys.key(person_id)
        except PersonKeyGone:
            self._gone[person_id] = None
            if len(self._gone) > self._remember:
                del self._gone[next(iter(self._gone))]
            return None


async def on_consent_given(ctx: MessageContext, event: ConsentGiven) -> None:
    """Consent to SMS reminders, recorded at intake."""
    if event.purpose != SMS_REMINDERS:
        return
    await add_once(ctx.session, SmsConsent(consent_id=event.consent_id, person_id=event.person_id))
    await ctx.session.execute(
        update(Contact).where(col(Contact.person_id) == event.person_id).values(sms_consent=True)
    )


async def on_consent_withdrawn(ctx: MessageContext, event: ConsentWithdrawn) -> None:
    """The person withdrew consent to SMS reminders: nothing more is sent to them."""
    consent = await ctx.session.get(SmsConsent, event.consent_id)
    if consent is None:
        return
    await ctx.session.delete(consent)
    await ctx.session.execute(
        update(Contact).where(col(Contact.person_id) == event.person_id).values(sms_consent=False)
    )


async def on_person_erased(ctx: MessageContext, event: PersonErased, keys: KeyStoreClient) -> None:
    """Forget the person: their contact, their appointments' places, what housing's SMS about
    them were to say, every message not sent."""
    keys.forget(event.person_id)
    await ctx.session.execute(delete(Contact).where(col(Contact.person_id) == event.person_id))
    await ctx.session.execute(
        delete(SmsConsent).where(col(SmsConsent.person_id) == event.person_id)
    )
    await ctx.session.execute(
        update(KnownAppointment)
        .where(col(KnownAppointment.person_id) == event.person_id)
        .values(place_enc="")
    )
    await ctx.session.execute(
        delete(HousingNotice).where(col(HousingNotice.person_id) == event.person_id)
    )
    pending = select(Message).where(
        col(Message.person_id) == event.person_id, col(Message.status).in_(PENDING)
    )
    for message in (await ctx.session.execute(pending)).scalars():
        messages.settle(message, ctx.record, Status.CLEARED, "person_erased", event.erased_at)
