"""Partner organisations: the city service and associations, with their services."""

from __future__ import annotations

from datetime import datetime

from services.intake.models import Partner
from services.intake.schemas.partners import PartnerCreate
from shared.events.intake import PartnerRegistered
from shared.uow import UnitOfWork
from shared.web import Conflict


async def register_partner(uow: UnitOfWork, command: PartnerCreate, now: datetime) -> Partner:
    """Add the city service or an association, with the services it provides."""
    if await uow.session.get(Partner, command.id) is not None:
        raise Conflict("a partner with this id exists already")
    services = [s.value for s in command.services]
    partner = Partner(id=command.id, name=command.name, services=services, registered_at=now)
    uow.session.add(partner)
    uow.record(
        PartnerRegistered(partner_id=partner.id, organisation_name=partner.name, services=services)
    )
    return partner
