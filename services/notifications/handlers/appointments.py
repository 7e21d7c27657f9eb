"""Reminder plans from casework's appointment events: a reschedule replans by revision and
clears what is no longer due; a cancellation clears and may send a short notice."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select, update
from sqlmodel import col

from services.notifications.domain.plans import offsets_for, plan
from services.notifications.domain.policy import Policy
from services.notifications.handlers import messages
from services.notifications.models import Contact, KnownAppointment, Message
from shared.clock import Clock
from shared.consumer import MessageContext
from shared.events.casework import (
    AppointmentAttended,
    AppointmentCancelled,
    AppointmentMissed,
    AppointmentRescheduled,
    AppointmentScheduled,
    CaseTransferred,
)

log = structlog.get_logger(__name__)
Announced = (
    AppointmentScheduled
    | AppointmentRescheduled
    | AppointmentCancelled
    | AppointmentAttended
    | AppointmentMissed
)
STATUS = {
    AppointmentScheduled: "scheduled",
    AppointmentRescheduled: "scheduled",
    AppointmentCancelled: "cancelled",
    AppointmentAttended: "attended",
    AppointmentMissed: "missed",
}


async def _follow(ctx: MessageContext, event: Announced) -> KnownAppointment | None:
    """Keep the appointment at its highest revision; None for an older (or repeated) one."""
    known = await ctx.session.get(KnownAppointment, event.appointment_id)
    if known is not None and event.revision <= known.revision:
        log.info("appointment.stale_revision", appointment_id=event.appointment_id)
        return None
    fields: dict[str, Any] = {
        "case_id": event.case_id,
        "person_id": event.person_id,
        "organisation_id": event.organisation_id,
        "kind": event.kind,
        "starts_at": event.starts_at,
        "timezone": event.timezone,
        "place_enc": event.place,
        "revision": event.revision,
        "status": STATUS[type(event)],
    }
    if known is None:
        known = KnownAppointment(appointment_id=event.appointment_id, **fields)
        ctx.session.add(known)
    else:
        for name, value in fields.items():
            setattr(known, name, value)
    return known


async def on_scheduled(ctx: MessageContext, event: Announced, policy: Policy, clock: Clock) -> None:
    """Plan the reminders of an appointment scheduled or moved; clear those of older revisions."""
    known = await _follow(ctx, event)
    if known is None:
        return
    now = clock()
    await messages.clear_pending(
        ctx.session,
        ctx.record,
        known.appointment_id,
        "rescheduled",
        now,
        below_revision=known.revision,
    )
    await _plan(ctx, known, policy, now)


async def _plan(
    ctx: MessageContext, known: KnownAppointment, policy: Policy, now: datetime
) -> None:
    offsets = offsets_for(known.kind, policy.offsets)
    contact = await ctx.session.get(Contact, known.person_id)
    planned, skipped = plan(
        known.starts_at,
        ZoneInfo(known.timezone),
        now,
        offsets,
        policy.quiet,
        person_zone=ZoneInfo(contact.timezone) if contact is not None else None,
    )
    for reminder in planned:
        await _queue(ctx, known, reminder.kind, reminder.due_at, now, deferred=reminder.deferred)
    if skipped:
        log.info("reminders.skipped", appointment_id=known.appointment_id, count=len(skipped))


async def _queue(
    ctx: MessageContext,
    known: KnownAppointment,
    kind: str,
    due_at: datetime,
    now: datetime,
    *,
    deferred: bool = False,
) -> None:
    await messages.plan(
        ctx.session,
        ctx.record,
        key=messages.reminder_key(known.appointment_id, kind, known.revision),
        kind=kind,
        revision=known.revision,
        due_at=due_at,
        deferred=deferred,
        now=now,
        appointment_id=known.appointment_id,
        person_id=known.person_id,
        organisation_id=known.organisation_id,
    )


async def on_cancelled(
    ctx: MessageContext, event: AppointmentCancelled, policy: Policy, clock: Clock
) -> None:
    """Clear what was planned; send a short notice if the policy says so and it is not past."""
    known = await _follow(ctx, event)
    if known is None:
        return
    now = clock()
    await messages.clear_pending(ctx.session, ctx.record, known.appointment_id, "cancelled", now)
    if policy.cancellation_notice and known.starts_at > now:
        await _queue(ctx, known, "cancellation", now, now)


async def on_done(ctx: MessageContext, event: Announced, clock: Clock) -> None:
    """The appointment was attended or missed: nothing more is sent about it."""
    known = await _follow(ctx, event)
    if known is not None:
        await messages.clear_pending(
            ctx.session,
            ctx.record,
            known.appointment_id,
            f"appointment_{known.status}",
            clock(),
        )


async def on_case_transferred(ctx: MessageContext, event: CaseTransferred) -> None:
    """The case changed owner: its appointments and messages follow it."""
    await ctx.session.execute(
        update(KnownAppointment)
        .where(col(KnownAppointment.case_id) == event.case_id)
        .values(organisation_id=event.to_organisation)
    )
    appointments = select(col(KnownAppointment.appointment_id)).where(
        col(KnownAppointment.case_id) == event.case_id
    )
    await ctx.session.execute(
        update(Message)
        .where(col(Message.appointment_id).in_(appointments))
        .values(organisation_id=event.to_organisation)
    )
