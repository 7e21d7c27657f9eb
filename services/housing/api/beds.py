"""Routes of beds out of service: put one out for some nights, list its periods."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.housing.api.deps import Manager, Now, OperatorStaff, Reading, Units
from services.housing.handlers import centre
from services.housing.queries import sites as queries
from services.housing.queries.access import find_bed
from services.housing.schemas.beds import OutageCreate, OutagePublic
from shared.schemas import present

router = APIRouter(tags=["beds"])


@router.post("/beds/{bed_id}/outages", status_code=201, response_model=OutagePublic)
async def put_out_of_service(
    bed_id: uuid.UUID, body: OutageCreate, principal: Manager, units: Units, now: Now
) -> OutagePublic:
    """Put a bed out of service from `first_night` to `last_night` with a reason; 409 over
    another of its outages or a night it is given."""
    async with units(principal) as uow:
        outage = await centre.put_out_of_service(uow, str(bed_id), body, principal, now)
        await uow.commit()
    return present(OutagePublic, outage)


@router.get("/beds/{bed_id}/outages", response_model=list[OutagePublic])
async def list_outages(
    bed_id: uuid.UUID, _principal: OperatorStaff, session: Reading
) -> list[OutagePublic]:
    """The bed's periods out of service, earliest first (the operating organisation's staff)."""
    bed = await find_bed(session, str(bed_id))
    return await queries.outages_of(session, bed.id)
