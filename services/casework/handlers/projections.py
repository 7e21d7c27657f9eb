"""Casework's event handlers: they change state in the consumer's transaction, never commit."""

from __future__ import annotations

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.domain import referrals as domain
from services.casework.models import Case
from shared.consumer import MessageContext
from shared.events.casework import CaseOpened
from shared.events.intake import ReferralRequested

log = structlog.get_logger(__name__)


async def on_referral_requested(ctx: MessageContext, event: ReferralRequested) -> None:
    """Open the partner's case for a legal or administrative referral, once per referral."""
    if not domain.takes_on(event.service):
        return
    # the inbox stops a redelivered envelope; this stops another envelope of the same referral
    if await _case_of_referral(ctx.session, event.referral_id) is not None:
        log.info("case.referral_already_open", referral_id=event.referral_id)
        return
    events = domain.accept_referral(event, case_id=domain.case_id_for(event.referral_id))
    opened = next(e for e in events if isinstance(e, CaseOpened))
    ctx.session.add(
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
    ctx.record(*events)
    log.info("case.opened", case_id=opened.case_id, referral_id=opened.referral_id)


async def _case_of_referral(session: AsyncSession, referral_id: str) -> Case | None:
    # a query flushes pending rows first: a case opened earlier in the same batch is found
    query = select(Case).where(col(Case.referral_id) == referral_id)
    return (await session.execute(query)).scalars().first()
