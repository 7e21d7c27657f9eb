"""Reading the referrals a partner received: only the receiving organisation sees them."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.domain.referrals import PENDING
from services.casework.models import IncomingReferral, ReferralSettings
from services.casework.queries.sealing import unseal
from services.casework.schemas.referrals import (
    IncomingFilters,
    IncomingPage,
    IncomingPublic,
    ReferralSettingsPublic,
)
from shared.auth import Principal
from shared.events.casework import decline_reason_aad
from shared.keystore import KeyStoreClient
from shared.schemas import present
from shared.web import NotFound

_INVISIBLE = "No referral with this id was received by your organisation."


async def find_incoming(
    session: AsyncSession, referral_id: str, principal: Principal, *, lock: bool = False
) -> IncomingReferral:
    """The referral if the caller's organisation received it; 404 for anyone else, coordinators
    included: the partner decides, nobody decides for it."""
    incoming = await session.get(IncomingReferral, referral_id, with_for_update=lock)
    if incoming is None or incoming.organisation_id != principal.org:
        raise NotFound(_INVISIBLE)
    return incoming


async def public(keys: KeyStoreClient, incoming: IncomingReferral) -> IncomingPublic:
    """The referral as its receiver sees it, a decline's reason in clear."""
    reason = None
    if incoming.reason_enc is not None:
        aad = decline_reason_aad(incoming.id)
        reason = await unseal(keys, incoming.person_id, incoming.reason_enc, aad)
    return present(IncomingPublic, incoming, reason=reason)


async def inbox(
    session: AsyncSession, keys: KeyStoreClient, principal: Principal, filters: IncomingFilters
) -> IncomingPage:
    """A page of the referrals the caller's organisation received: pending first, oldest first."""
    query = select(IncomingReferral).where(col(IncomingReferral.organisation_id) == principal.org)
    if filters.status is not None:
        query = query.where(col(IncomingReferral.status) == filters.status.value)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    waiting_first = case((col(IncomingReferral.status) == PENDING, 0), else_=1)
    page = query.order_by(
        waiting_first, col(IncomingReferral.requested_at), col(IncomingReferral.id)
    )
    rows = (await session.execute(page.limit(filters.limit).offset(filters.offset))).scalars()
    return IncomingPage(
        items=[await public(keys, r) for r in rows],
        total=int(total),
        limit=filters.limit,
        offset=filters.offset,
    )


async def settings_of(session: AsyncSession, organisation_id: str) -> ReferralSettingsPublic:
    """How the organisation takes referrals (nothing automatic until it says so)."""
    row = await session.get(ReferralSettings, organisation_id)
    if row is None:
        return ReferralSettingsPublic(organisation_id=organisation_id, auto_accept=[])
    return present(ReferralSettingsPublic, row)


async def auto_accepted(session: AsyncSession, organisation_id: str) -> list[str]:
    """The services whose referrals the organisation accepts as they arrive."""
    row = await session.get(ReferralSettings, organisation_id)
    return list(row.auto_accept) if row is not None else []
