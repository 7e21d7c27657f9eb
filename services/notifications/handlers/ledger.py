"""Notifications reads its own events back: replayed into a fresh database, they say what
was already sent (so nothing is sent twice) and which numbers opted out."""

from __future__ import annotations

import uuid

from services.notifications.domain import messages as domain
from services.notifications.domain.messages import Status
from services.notifications.models import Message, OptOut
from services.notifications.queries.messages import by_key
from shared.consumer import MessageContext
from shared.db import add_once
from shared.events.notifications import OptedIn, OptedOut, SmsDelivered, SmsFailed, SmsSent


async def on_sms_sent(ctx: MessageContext, event: SmsSent) -> None:
    """The message with this key was sent: mark it, or remember it before it is planned."""
    message = await by_key(ctx.session, event.key)
    if message is None:
        ctx.session.add(
            Message(
                id=event.message_id
                if await ctx.session.get(Message, event.message_id) is None
                else str(uuid.uuid4()),
                key=event.key,
                appointment_id=event.appointment_id,
                person_id=event.person_id,
                kind=event.kind,
                revision=event.revision,
                status=Status.SENT,
                due_at=event.sent_at,
                provider=event.provider,
                created_at=event.sent_at,
                sent_at=event.sent_at,
                updated_at=event.sent_at,
            )
        )
        return
    domain.learn_sent(message, event.provider, event.sent_at)


async def on_sms_delivered(ctx: MessageContext, event: SmsDelivered) -> None:
    """The message was delivered."""
    message = await by_key(ctx.session, event.key)
    if message is not None:
        domain.learn_delivered(message, event.delivered_at)


async def on_sms_failed(ctx: MessageContext, event: SmsFailed) -> None:
    """The message failed, could not be delivered, or its fate is unknown."""
    message = await by_key(ctx.session, event.key)
    if message is not None:
        domain.learn_failed(message, event.status, event.reason)


async def on_opted_out(ctx: MessageContext, event: OptedOut) -> None:
    """The number opted out."""
    await add_once(
        ctx.session,
        OptOut(
            phone_index=event.phone_index, keyword=event.keyword, opted_out_at=event.opted_out_at
        ),
    )


async def on_opted_in(ctx: MessageContext, event: OptedIn) -> None:
    """The number opted back in."""
    opt_out = await ctx.session.get(OptOut, event.phone_index)
    if opt_out is not None and opt_out.opted_out_at <= event.opted_in_at:
        await ctx.session.delete(opt_out)
