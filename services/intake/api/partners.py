"""Routes of partner organisations: the city service, associations, and their services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from sqlmodel import col, select

from services.intake import handlers
from services.intake.api.deps import Coordinator, IntakeDep, Staff
from services.intake.models import Partner
from services.intake.schemas import PartnerCreate, PartnerPublic
from shared.web import NotFound

router = APIRouter(prefix="/partners", tags=["partners"])


@router.post("", status_code=201, response_model=PartnerPublic)
async def register_partner(
    body: PartnerCreate, principal: Coordinator, intake: IntakeDep
) -> PartnerPublic:
    """Add a partner organisation (coordinators)."""
    async with intake.unit_of_work(principal) as uow:
        partner = await handlers.register_partner(uow, body, datetime.now(UTC))
        await uow.commit()
    return PartnerPublic.model_validate(partner, from_attributes=True)


@router.get("", response_model=list[PartnerPublic])
async def list_partners(_principal: Staff, intake: IntakeDep) -> list[PartnerPublic]:
    """Every partner organisation, by id."""
    async with intake.runtime.sessions() as session:
        partners = (await session.execute(select(Partner).order_by(col(Partner.id)))).scalars()
        return [PartnerPublic.model_validate(p, from_attributes=True) for p in partners]


@router.get("/{partner_id}", response_model=PartnerPublic)
async def get_partner(
    partner_id: Annotated[str, Path(max_length=64)], _principal: Staff, intake: IntakeDep
) -> PartnerPublic:
    """One partner organisation."""
    async with intake.runtime.sessions() as session:
        partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("No such partner.")
    return PartnerPublic.model_validate(partner, from_attributes=True)
