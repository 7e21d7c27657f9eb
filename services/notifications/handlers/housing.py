"""Housing's SMS from its events: one when a bed is offered (cleared if the offer expires
before it goes), one per renewal reminder of a social housing application. Each message is
planned once under its key, so a redelivered event changes nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.notifications.domain import housing as domain
from services.notifications.domain.messages import PENDING, Status
from services.notifications.domain.policy import Policy
from services.notifications.domain.sending import NotNow, check_contact
from services.notifications.domain.texts import Rendered, Templates
from services.notifications.handlers import messages
from services.notifications.models import Contact, HousingNotice, Message
from shared.clock import Clock
from shared.consumer import MessageContext
from shared.events.housing import BedOffered, OfferExpired, RenewalDue

log = structlog.get_logger(__name__)


async def _zone(session: AsyncSession, person_id: str) -> ZoneInfo:
    """The person's time zone for quiet hours, the centre's when notifications has no contact."""
    contact = await session.get(Contact, person_id)
    return ZoneInfo(contact.timezone) if contact is not None else domain.CENTRE_ZONE


async def _queue(
    ctx: MessageContext,
    notice: HousingNotice,
    organisation_id: str | None,
    due_at: datetime,
    now: datetime,
) -> None:
    """Plan the message and keep what it will say, unless its key was planned before."""
    planned = await messages.plan(
        ctx.session,
        ctx.record,
        key=notice.key,
        kind=notice.kind,
        revision=0,
        due_at=due_at,
        deferred=due_at > now,
        now=now,
        person_id=notice.person_id,
        organisation_id=organisation_id,
    )
    if planned is not None and await ctx.session.get(HousingNotice, notice.key) is None:
        ctx.session.add(notice)


async def on_bed_offered(
    ctx: MessageContext, event: BedOffered, policy: Policy, clock: Clock
) -> None:
    """Queue the offer's SMS for its day, out of quiet hours, if it can still arrive in time."""
    if event.person_id is None:
        log.info("housing_sms.offer_without_person", offer_id=event.offer_id)
        return
    now = clock()
    zone = await _zone(ctx.session, event.person_id)
    due_at = domain.offer_send_time(event.expires_at, now, zone, policy.quiet)
    if due_at is None:
        log.info("housing_sms.offer_too_late", offer_id=event.offer_id)
        return
    notice = HousingNotice(
        key=domain.offer_key(event.offer_id),
        subject_id=event.offer_id,
        person_id=event.person_id,
        kind=domain.OFFER_KIND,
        ends_at=event.expires_at,
        timezone=str(domain.CENTRE_ZONE),
    )
    await _queue(ctx, notice, None, due_at, now)  # the event names no organisation


async def on_offer_expired(ctx: MessageContext, event: OfferExpired) -> None:
    """The offer was not taken up: its SMS, if still waiting, is not sent."""
    query = select(Message).where(
        col(Message.key) == domain.offer_key(event.offer_id), col(Message.status).in_(PENDING)
    )
    for message in (await ctx.session.execute(query)).scalars():
        messages.settle(message, ctx.record, Status.CLEARED, "offer_expired", event.expired_at)


async def on_renewal_due(
    ctx: MessageContext, event: RenewalDue, policy: Policy, clock: Clock
) -> None:
    """Queue one reminder per application, reminder kind and due date, before the due date."""
    now = clock()
    zone = await _zone(ctx.session, event.person_id)
    due_at = domain.renewal_send_time(event.due, now, zone, policy.quiet)
    if due_at is None:
        log.info("housing_sms.renewal_too_late", application_id=event.application_id)
        return
    notice = HousingNotice(
        key=domain.renewal_key(event.application_id, event.kind, event.due),
        subject_id=event.application_id,
        person_id=event.person_id,
        kind=domain.RENEWAL_KIND,
        ends_at=domain.renewal_ends_at(event.due),
        timezone=str(domain.CENTRE_ZONE),
    )
    await _queue(ctx, notice, event.organisation_id, due_at, now)


async def checked(
    session: AsyncSession, message: Message, now: datetime
) -> tuple[HousingNotice, Contact, str]:
    """The notice, contact and encrypted phone of a housing SMS that may go now (else NotNow)."""
    notice = await session.get(HousingNotice, message.key)
    if notice is None:
        raise NotNow(Status.BLOCKED, "no_notice")
    domain.check_notice(notice.kind, notice.ends_at, now)
    contact, phone_enc = check_contact(await session.get(Contact, message.person_id))
    return notice, contact, phone_enc


def render(templates: Templates, notice: HousingNotice, language: str | None) -> Rendered:
    """The housing SMS in the person's language (French when it has no text in theirs)."""
    return templates.render(
        notice.kind,
        language,
        starts_at=domain.shown_at(notice.kind, notice.ends_at),
        zone=ZoneInfo(notice.timezone),
        place=None,
        contact_phone=None,
    )
