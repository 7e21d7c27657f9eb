"""Notifications' event handlers: they change state in the consumer's transaction."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col

from services.notifications.models import Contact
from shared.consumer import MessageContext
from shared.events.intake import PersonErased, PersonRegistered


async def on_person_registered(ctx: MessageContext, event: PersonRegistered) -> None:
    """Record the new person as a contact who may later receive reminders."""
    ctx.session.add(
        Contact(
            person_id=event.person_id,
            organisation_id=event.organisation_id,
            chosen_name_enc=event.chosen_name,
            # messages go out in French when the person stated no preference
            preferred_language=event.preferred_language or "fr",
            registered_at=event.registered_at,
            source_event_id=ctx.envelope.id,
        )
    )


async def on_person_erased(ctx: MessageContext, event: PersonErased) -> None:
    """Forget the person: their contact, and with it any way to reach them."""
    await ctx.session.execute(delete(Contact).where(col(Contact.person_id) == event.person_id))
