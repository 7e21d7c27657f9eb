"""What notifications learns from intake: who can be reached, how, and whether they agreed."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlmodel import col

from services.notifications import messages
from services.notifications.models import Contact, KnownAppointment, Message, SmsConsent
from shared.consumer import Handler, MessageContext
from shared.events.intake import (
    ConsentGiven,
    ConsentWithdrawn,
    PersonErased,
    PersonRegistered,
    PersonUpdated,
)
from shared.keystore import KeyStoreClient

SMS_REMINDERS = "sms_reminders"


async def on_person_registered(ctx: MessageContext, event: PersonRegistered) -> None:
    """Record the new person as a contact who may later receive reminders."""
    if await ctx.session.get(Contact, event.person_id) is not None:
        return
    ctx.session.add(
        Contact(
            person_id=event.person_id,
            organisation_id=event.organisation_id,
            chosen_name_enc=event.chosen_name,
            # messages go out in French when the person stated no preference
            preferred_language=event.preferred_language or "fr",
            registered_at=event.registered_at,
            source_event_id=ctx.envelope.id,
            phone_enc=event.phone,
            sms_consent=event.sms_consent,
            timezone=event.timezone,
        )
    )


async def on_person_updated(ctx: MessageContext, event: PersonUpdated) -> None:
    """Follow a change of phone, language, time zone or SMS consent."""
    contact = await ctx.session.get(Contact, event.person_id)
    if contact is None:
        return
    if "phone" in event.changed:
        contact.phone_enc, contact.phone_index = event.phone, None
    if "chosen_name" in event.changed and event.chosen_name is not None:
        contact.chosen_name_enc = event.chosen_name
    contact.preferred_language = event.preferred_language or "fr"
    contact.timezone = event.timezone
    if "sms_consent" in event.changed:  # an edit of something else leaves consent as it is
        contact.sms_consent = event.sms_consent


async def on_consent_given(ctx: MessageContext, event: ConsentGiven) -> None:
    """Consent to SMS reminders, recorded at intake."""
    if event.purpose != SMS_REMINDERS:
        return
    if await ctx.session.get(SmsConsent, event.consent_id) is None:
        ctx.session.add(SmsConsent(consent_id=event.consent_id, person_id=event.person_id))
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


def on_person_erased(keys: KeyStoreClient) -> Handler:
    """Forget the person: their contact, their appointments' places, every message not sent."""

    async def handle(ctx: MessageContext, event: PersonErased) -> None:
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
        pending = select(Message).where(
            col(Message.person_id) == event.person_id, col(Message.status).in_(messages.PENDING)
        )
        for message in (await ctx.session.execute(pending)).scalars():
            messages.settle(message, ctx.record, "cleared", "person_erased", event.erased_at)

    return handle
