"""Partner organisations: the city service, associations, and the services they provide."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.intake.models import Partner
from services.intake.schemas.partners import PartnerPublic
from shared.web import NotFound


async def partners(session: AsyncSession) -> list[PartnerPublic]:
    """Every partner organisation, by id."""
    rows = (await session.execute(select(Partner).order_by(col(Partner.id)))).scalars()
    return [PartnerPublic.model_validate(p, from_attributes=True) for p in rows]


async def partner(session: AsyncSession, partner_id: str) -> PartnerPublic:
    """One partner organisation, or NotFound."""
    found = await session.get(Partner, partner_id)
    if found is None:
        raise NotFound("No such partner.")
    return PartnerPublic.model_validate(found, from_attributes=True)
