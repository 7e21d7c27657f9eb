"""A person's consents, as the caller may read them, and whether a purpose is consented to now."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.models import Consent
from services.intake.queries.access import find_person
from services.intake.schemas.consents import ConsentPublic
from shared.auth import Principal, may_see_organisation


async def consents(
    session: AsyncSession, person_id: str, principal: Principal
) -> list[ConsentPublic]:
    """The person's consents, oldest first (a partner sees those that name it)."""
    person = await find_person(session, person_id, principal)
    query = select(Consent).where(col(Consent.person_id) == person.id)
    if not may_see_organisation(principal, person.organisation_id):
        query = query.where(col(Consent.partner_id) == principal.org)  # a partner: its own
    rows = await session.execute(query.order_by(col(Consent.given_at), col(Consent.id)))
    return [ConsentPublic.model_validate(c, from_attributes=True) for c in rows.scalars()]


async def consents_to_share(session: AsyncSession, person_id: str, partner_id: str) -> bool:
    """Whether the person consents, now, to their file being shared with this partner."""
    query = select(col(Consent.id)).where(
        col(Consent.person_id) == person_id,
        col(Consent.purpose) == "share_with_partner",
        col(Consent.partner_id) == partner_id,
        col(Consent.withdrawn_at).is_(None),
    )
    return (await session.execute(query.limit(1))).first() is not None


async def has_consent(session: AsyncSession, person_id: str, purpose: str) -> bool:
    """Whether the person consents, now, to a purpose that names no partner."""
    query = select(col(Consent.id)).where(
        col(Consent.person_id) == person_id,
        col(Consent.purpose) == purpose,
        col(Consent.withdrawn_at).is_(None),
    )
    return (await session.execute(query.limit(1))).first() is not None
