"""Routes of partner organisations: the city service, associations, and their services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.intake.api.deps import Coordinator, Now, Reading, Staff, Units
from services.intake.handlers import partners
from services.intake.queries import partners as queries
from services.intake.schemas.partners import PartnerCreate, PartnerPublic

router = APIRouter(prefix="/partners", tags=["partners"])


@router.post("", status_code=201, response_model=PartnerPublic)
async def register_partner(
    body: PartnerCreate, principal: Coordinator, units: Units, now: Now
) -> PartnerPublic:
    """Add a partner organisation (coordinators)."""
    async with units(principal) as uow:
        partner = await partners.register_partner(uow, body, now)
        await uow.commit()
    return PartnerPublic.model_validate(partner, from_attributes=True)


@router.get("", response_model=list[PartnerPublic])
async def list_partners(_principal: Staff, session: Reading) -> list[PartnerPublic]:
    """Every partner organisation, by id."""
    return await queries.partners(session)


@router.get("/{partner_id}", response_model=PartnerPublic)
async def get_partner(
    partner_id: Annotated[str, Path(max_length=64)], _principal: Staff, session: Reading
) -> PartnerPublic:
    """One partner organisation."""
    return await queries.partner(session, partner_id)
