"""A person's referrals, as the caller may read them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.models import Referral
from services.intake.queries.access import find_person
from services.intake.schemas.referrals import ReferralPublic
from shared.auth import Principal, may_see_organisation


async def referrals(
    session: AsyncSession, person_id: str, principal: Principal
) -> list[ReferralPublic]:
    """The person's referrals, oldest first; a partner reading a referred person sees only the
    referrals made to it."""
    person = await find_person(session, person_id, principal)
    query = select(Referral).where(col(Referral.person_id) == person.id)
    if not may_see_organisation(principal, person.organisation_id):
        query = query.where(col(Referral.partner_id) == principal.org)
    rows = await session.execute(query.order_by(col(Referral.requested_at), col(Referral.id)))
    return [ReferralPublic.model_validate(r, from_attributes=True) for r in rows.scalars()]
