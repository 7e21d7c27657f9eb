"""Referrals from intake: received into the partner's inbox, then accepted (the case opens,
once) or declined with a reason by the partner, or at once when it opted in for the service.
Handlers stage state and events and never commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.domain import referrals as domain
from services.casework.models import Case, IncomingReferral, ReferralSettings
from services.casework.queries.referrals import auto_accepted, find_incoming
from shared.auth import Principal
from shared.consumer import MessageContext
from shared.db import add_once
from shared.events.base import Event
from shared.events.casework import CaseOpened, decline_reason_aad
from shared.events.intake import ReferralRequested, ReferralStatusChanged
from shared.keystore import KeyStoreClient, seal
from shared.uow import UnitOfWork
from shared.web import Conflict

log = structlog.get_logger(__name__)
AUTOMATIC = "service:casework"
"""Who answered a referral accepted by the partner's opt-in: casework itself."""


async def on_referral_requested(ctx: MessageContext, event: ReferralRequested) -> None:
    """Put a legal or administrative referral in the partner's inbox, once per referral; accept
    it at once if the partner opted in for its service."""
    if not domain.takes_on(event.service):
        return
    incoming = IncomingReferral(
        id=event.referral_id,
        person_id=event.person_id,
        organisation_id=event.partner_id,
        service=event.service,
        status=domain.PENDING,
        requested_at=event.requested_at,
    )
    # the inbox stops a redelivered envelope; this stops another envelope of the same referral
    if not await add_once(ctx.session, incoming):
        log.info("referral.already_received", referral_id=event.referral_id)
        return
    automatic = domain.accepts_automatically(
        event.service, await auto_accepted(ctx.session, event.partner_id)
    )
    if automatic:
        # the referral's own time, so a replay of intake's events says the same
        _open_case(ctx.session, ctx.record, incoming, AUTOMATIC, event.requested_at)
        incoming.automatic = True
    log.info("referral.received", referral_id=incoming.id, automatic=automatic)


async def on_referral_status_changed(ctx: MessageContext, event: ReferralStatusChanged) -> None:
    """Intake revoked (or the partner declined there) a referral still pending here: it leaves
    the inbox, and can no longer be accepted."""
    incoming = await ctx.session.get(IncomingReferral, event.referral_id)
    if incoming is None:
        return
    closed = domain.close(incoming.status, event.status)
    if closed is not None:
        incoming.status, incoming.answered_at = closed, event.changed_at
        log.info("referral.closed", referral_id=incoming.id, status=closed)


async def withdraw_pending(
    session: AsyncSession, person_id: str, organisation_id: str | None, at: datetime
) -> None:
    """The person took back their consent to share with the organisation (None: every one,
    they were erased): its pending referrals of them can no longer be accepted."""
    query = update(IncomingReferral).where(
        col(IncomingReferral.person_id) == person_id,
        col(IncomingReferral.status) == domain.PENDING,
    )
    if organisation_id is not None:
        query = query.where(col(IncomingReferral.organisation_id) == organisation_id)
    await session.execute(query.values(status=domain.WITHDRAWN, answered_at=at))


async def forget_reasons(session: AsyncSession, person_id: str) -> None:
    """The person is erased: the reasons given for declining their referrals go too."""
    await session.execute(
        update(IncomingReferral)
        .where(
            col(IncomingReferral.person_id) == person_id,
            col(IncomingReferral.reason_enc).is_not(None),
        )
        .values(reason_enc="")
    )


async def accept(
    uow: UnitOfWork, referral_id: str, principal: Principal, now: datetime
) -> IncomingReferral:
    """The partner takes the referral on: its case opens, once; 409 once it is answered."""
    incoming = await find_incoming(uow.session, referral_id, principal, lock=True)
    _open_case(uow.session, uow.record, incoming, principal.user_id, now)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # another acceptance opened the case in the meantime
        raise Conflict("this referral was accepted at the same moment") from exc
    log.info("referral.accepted", referral_id=incoming.id, case_id=incoming.case_id)
    return incoming


async def decline(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    referral_id: str,
    reason: str,
    principal: Principal,
    now: datetime,
) -> IncomingReferral:
    """The partner says no with a reason, sealed with the person's key; 409 once answered."""
    incoming = await find_incoming(uow.session, referral_id, principal, lock=True)
    domain.answerable(_facts(incoming))
    sealed = await seal(keys, incoming.person_id, reason, decline_reason_aad(incoming.id))
    uow.record(*domain.decline(_facts(incoming), sealed, now))
    incoming.status, incoming.reason_enc = domain.DECLINED, sealed
    incoming.answered_by, incoming.answered_at = principal.user_id, now
    log.info("referral.declined", referral_id=incoming.id)
    return incoming


async def set_auto_accept(
    session: AsyncSession, services: list[str], principal: Principal, now: datetime
) -> ReferralSettings:
    """The services whose referrals the caller's organisation accepts as they arrive, from now
    on (those already waiting stay in the inbox)."""
    row = await session.get(ReferralSettings, principal.org, with_for_update=True)
    if row is None:
        row = ReferralSettings(organisation_id=principal.org, updated_by=principal.user_id)
        session.add(row)
    row.auto_accept, row.updated_by, row.updated_at = list(services), principal.user_id, now
    try:
        await session.flush()
    except IntegrityError as exc:  # two first choices of the organisation at the same moment
        raise Conflict("the settings were changed at the same moment: reload and retry") from exc
    log.info("referral.settings_changed", organisation_id=principal.org, auto_accept=services)
    return row


def _open_case(
    session: AsyncSession,
    record: Callable[..., object],
    incoming: IncomingReferral,
    by: str,
    at: datetime,
) -> None:
    events: list[Event] = domain.accept(_facts(incoming), at)
    opened = next(e for e in events if isinstance(e, CaseOpened))
    session.add(
        Case(
            id=opened.case_id,
            person_id=opened.person_id,
            organisation_id=opened.organisation_id,
            service=opened.service,
            referral_id=opened.referral_id,
            status=domain.OPEN,
            opened_at=opened.opened_at,
        )
    )
    incoming.status, incoming.case_id = domain.ACCEPTED, opened.case_id
    incoming.answered_by, incoming.answered_at = by, at
    record(*events)


def _facts(incoming: IncomingReferral) -> domain.Incoming:
    return domain.Incoming(
        referral_id=incoming.id,
        person_id=incoming.person_id,
        organisation_id=incoming.organisation_id,
        service=incoming.service,
        status=incoming.status,
    )
