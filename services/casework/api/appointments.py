"""Routes of appointments: schedule, list, reschedule, cancel, attended, missed."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable, Iterator

from fastapi import APIRouter

from services.casework.api.deps import CaseworkDep, Caseworker
from services.casework.container import Casework
from services.casework.domain.appointments import Mistimed, StaleRevision
from services.casework.handlers import appointments
from services.casework.queries import appointments as queries
from services.casework.schemas.appointments import (
    AppointmentChange,
    AppointmentCreate,
    AppointmentPublic,
    AppointmentReschedule,
)
from shared.auth import Principal
from shared.web import Conflict, Unprocessable

router = APIRouter(tags=["appointments"])


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """Refused moves and stale revisions are 409s; a stale one says the current revision. A
    time out of place (past without an outcome, too far) is a 422 naming its field."""
    try:
        yield
    except StaleRevision as exc:
        raise Conflict(str(exc), extra={"current_revision": exc.current}) from exc
    except Mistimed as exc:
        error = {"loc": ["body", exc.field], "msg": exc.reason, "type": "value_error"}
        raise Unprocessable(str(exc), extra={"errors": [error]}) from exc


async def _answer(
    casework: Casework, located: appointments.Located, history: bool
) -> AppointmentPublic:
    public = await queries.public(casework.keys, *located)
    return public.model_copy(update={"history": history}) if history else public


@router.post("/cases/{case_id}/appointments", status_code=201, response_model=AppointmentPublic)
async def schedule(
    case_id: uuid.UUID, body: AppointmentCreate, principal: Caseworker, casework: CaseworkDep
) -> AppointmentPublic:
    """Schedule an appointment of the case's person; reminders follow from its event. A past
    one is recorded only as history, with its `outcome` (no reminder); otherwise a 422."""
    async with casework.unit_of_work(principal) as uow:
        with refusals():
            located = await appointments.schedule(
                uow, casework, str(case_id), body, principal, casework.clock()
            )
        await uow.commit()
    return await _answer(casework, located, body.outcome is not None)


@router.get("/cases/{case_id}/appointments", response_model=list[AppointmentPublic])
async def list_appointments(
    case_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> list[AppointmentPublic]:
    """The case's appointments in time order, places in clear."""
    async with casework.runtime.sessions() as session:
        return await queries.list_for_case(session, casework.keys, str(case_id), principal)


@router.post("/appointments/{appointment_id}/reschedule", response_model=AppointmentPublic)
async def reschedule(
    appointment_id: uuid.UUID,
    body: AppointmentReschedule,
    principal: Caseworker,
    casework: CaseworkDep,
) -> AppointmentPublic:
    """Move the appointment or change its place; a stale `revision` is a 409; into the past
    only as history, with its `outcome` (otherwise a 422)."""
    async with casework.unit_of_work(principal) as uow:
        with refusals():
            located = await appointments.reschedule(
                uow, casework, str(appointment_id), body, principal, casework.clock()
            )
        await uow.commit()
    return await _answer(casework, located, body.outcome is not None)


Change = Callable[..., Awaitable[appointments.Located]]


async def _change(
    change: Change,
    appointment_id: uuid.UUID,
    body: AppointmentChange | None,
    principal: Principal,
    casework: Casework,
) -> AppointmentPublic:
    async with casework.unit_of_work(principal) as uow:
        with refusals():
            case, appointment = await change(
                uow, str(appointment_id), body or AppointmentChange(), principal, casework.clock()
            )
        await uow.commit()
    return await queries.public(casework.keys, case, appointment)


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentPublic)
async def cancel(
    appointment_id: uuid.UUID,
    principal: Caseworker,
    casework: CaseworkDep,
    body: AppointmentChange | None = None,
) -> AppointmentPublic:
    """Cancel a scheduled appointment: its reminders stop."""
    return await _change(appointments.cancel, appointment_id, body, principal, casework)


@router.post("/appointments/{appointment_id}/attended", response_model=AppointmentPublic)
async def mark_attended(
    appointment_id: uuid.UUID,
    principal: Caseworker,
    casework: CaseworkDep,
    body: AppointmentChange | None = None,
) -> AppointmentPublic:
    """Record that the person came (not before the appointment starts)."""
    return await _change(appointments.attended, appointment_id, body, principal, casework)


@router.post("/appointments/{appointment_id}/missed", response_model=AppointmentPublic)
async def mark_missed(
    appointment_id: uuid.UUID,
    principal: Caseworker,
    casework: CaseworkDep,
    body: AppointmentChange | None = None,
) -> AppointmentPublic:
    """Record that the person did not come (not before the appointment starts)."""
    return await _change(appointments.missed, appointment_id, body, principal, casework)
