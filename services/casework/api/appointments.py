"""Routes of appointments: schedule, list, reschedule, cancel, attended, missed."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable, Iterator

from fastapi import APIRouter

from services.casework.api.deps import Caseworker, Keys, Now, Reading, Units
from services.casework.domain.appointments import Mistimed, StaleRevision
from services.casework.handlers import appointments
from services.casework.queries import appointments as queries
from services.casework.schemas.appointments import (
    AppointmentChange,
    AppointmentCreate,
    AppointmentPublic,
    AppointmentReschedule,
)
from shared.keystore import KeyStoreClient
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
    keys: KeyStoreClient, located: appointments.Located, history: bool
) -> AppointmentPublic:
    public = await queries.public(keys, *located)
    return public.model_copy(update={"history": history}) if history else public


@router.post("/cases/{case_id}/appointments", status_code=201, response_model=AppointmentPublic)
async def schedule(
    case_id: uuid.UUID,
    body: AppointmentCreate,
    principal: Caseworker,
    units: Units,
    now: Now,
    keys: Keys,
) -> AppointmentPublic:
    """Schedule an appointment of the case's person; reminders follow from its event. A past
    one is recorded only as history, with its `outcome` (no reminder); otherwise a 422."""
    async with units(principal) as uow:
        with refusals():
            located = await appointments.schedule(uow, keys, str(case_id), body, principal, now)
        await uow.commit()
    return await _answer(keys, located, body.outcome is not None)


@router.get("/cases/{case_id}/appointments", response_model=list[AppointmentPublic])
async def list_appointments(
    case_id: uuid.UUID, principal: Caseworker, session: Reading, keys: Keys
) -> list[AppointmentPublic]:
    """The case's appointments in time order, places in clear."""
    return await queries.list_for_case(session, keys, str(case_id), principal)


@router.post("/appointments/{appointment_id}/reschedule", response_model=AppointmentPublic)
async def reschedule(
    appointment_id: uuid.UUID,
    body: AppointmentReschedule,
    principal: Caseworker,
    units: Units,
    now: Now,
    keys: Keys,
) -> AppointmentPublic:
    """Move the appointment or change its place; a stale `revision` is a 409; into the past
    only as history, with its `outcome` (otherwise a 422)."""
    async with units(principal) as uow:
        with refusals():
            located = await appointments.reschedule(
                uow, keys, str(appointment_id), body, principal, now
            )
        await uow.commit()
    return await _answer(keys, located, body.outcome is not None)


Change = Callable[..., Awaitable[appointments.Located]]


def _outcome_route(
    change: Change, name: str, doc: str
) -> Callable[..., Awaitable[AppointmentPublic]]:
    """A route that applies one change (cancel, attended, missed) to an appointment."""

    async def route(
        appointment_id: uuid.UUID,
        principal: Caseworker,
        units: Units,
        now: Now,
        keys: Keys,
        body: AppointmentChange | None = None,
    ) -> AppointmentPublic:
        async with units(principal) as uow:
            with refusals():
                case, appointment = await change(
                    uow, str(appointment_id), body or AppointmentChange(), principal, now
                )
            await uow.commit()
        return await queries.public(keys, case, appointment)

    route.__name__, route.__doc__ = name, doc
    return route


_OUTCOME = "/appointments/{appointment_id}/"
cancel = router.post(_OUTCOME + "cancel", response_model=AppointmentPublic)(
    _outcome_route(
        appointments.cancel, "cancel", "Cancel a scheduled appointment: its reminders stop."
    )
)
mark_attended = router.post(_OUTCOME + "attended", response_model=AppointmentPublic)(
    _outcome_route(
        appointments.attended,
        "mark_attended",
        "Record that the person came (not before the appointment starts).",
    )
)
mark_missed = router.post(_OUTCOME + "missed", response_model=AppointmentPublic)(
    _outcome_route(
        appointments.missed,
        "mark_missed",
        "Record that the person did not come (not before the appointment starts).",
    )
)
