"""Reading appointments, with their place decrypted for those who work on the case."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.models import Appointment, Case
from services.casework.queries.access import Need, find_case
from services.casework.queries.sealing import unseal
from services.casework.schemas.appointments import AppointmentPublic
from shared.auth import Principal
from shared.events.casework import place_aad
from shared.keystore import KeyStoreClient
from shared.schemas import present


async def public(keys: KeyStoreClient, case: Case, appointment: Appointment) -> AppointmentPublic:
    """The appointment with its place in clear (`[erased]` once the person is erased)."""
    place = await unseal(
        keys, case.person_id, appointment.place_enc, place_aad(case.id, appointment.id)
    )
    local_start = appointment.starts_at.astimezone(ZoneInfo(appointment.timezone))
    return present(AppointmentPublic, appointment, local_start=local_start, place=place)


async def list_for_case(
    session: AsyncSession, keys: KeyStoreClient, case_id: str, principal: Principal
) -> list[AppointmentPublic]:
    """The case's appointments in time order, if the caller works on the case."""
    case = await find_case(session, case_id, principal, Need.WORK)
    query = (
        select(Appointment)
        .where(col(Appointment.case_id) == case.id)
        .order_by(col(Appointment.starts_at), col(Appointment.id))
    )
    appointments = (await session.execute(query)).scalars().all()
    return [await public(keys, case, appointment) for appointment in appointments]
