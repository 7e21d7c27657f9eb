"""Scheduling, moving, cancelling appointments and recording whether the person came."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import partial

from services.casework.domain import appointments as rules
from services.casework.domain.appointments import AppointmentState, Change, Status
from services.casework.models import Appointment, Case
from services.casework.queries.access import Need, find_case, find_of_case
from services.casework.schemas.appointments import (
    AppointmentChange,
    AppointmentCreate,
    AppointmentReschedule,
)
from shared.auth import Principal
from shared.events.casework import place_aad
from shared.keystore import KeyStoreClient, seal
from shared.uow import UnitOfWork

Located = tuple[Case, Appointment]


async def schedule(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    case_id: str,
    command: AppointmentCreate,
    principal: Principal,
    now: datetime,
) -> Located:
    """Schedule an appointment of the case's person (or record a past one as history); the
    place is stored encrypted."""
    case = await find_case(uow.session, case_id, principal, Need.WORK)
    appointment_id = str(uuid.uuid4())
    place = await seal(keys, case.person_id, command.place, place_aad(case.id, appointment_id))
    state, event = rules.schedule(
        appointment_id=appointment_id,
        case_id=case.id,
        person_id=case.person_id,
        organisation_id=case.organisation_id,
        kind=command.kind,
        starts_at=command.starts_at,
        timezone=command.timezone,
        place=place,
        now=now,
        outcome=command.outcome,
    )
    appointment = Appointment(
        id=appointment_id,
        case_id=case.id,
        kind=state.kind,
        starts_at=state.starts_at,
        timezone=state.timezone,
        place_enc=state.place,
        updated_by=principal.user_id,
    )
    _apply(appointment, state, principal, now)
    uow.session.add(appointment)
    uow.record(event)
    return case, appointment


async def reschedule(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    appointment_id: str,
    command: AppointmentReschedule,
    principal: Principal,
    now: datetime,
) -> Located:
    """Move the appointment or change its place, from the revision the caller read (into the
    past only as history, with its outcome)."""
    case, appointment = await _locate(uow, appointment_id, principal)
    place = None
    if command.place is not None:
        aad = place_aad(case.id, appointment.id)
        place = await seal(keys, case.person_id, command.place, aad)
    move = partial(
        rules.reschedule,
        now=now,
        revision=command.revision,
        starts_at=command.starts_at,
        timezone=command.timezone,
        place=place,
        outcome=command.outcome,
    )
    return _change(uow, (case, appointment), principal, now, move)


async def cancel(
    uow: UnitOfWork,
    appointment_id: str,
    command: AppointmentChange,
    principal: Principal,
    now: datetime,
) -> Located:
    """The appointment will not take place: its reminders stop."""
    located = await _locate(uow, appointment_id, principal)
    return _change(uow, located, principal, now, partial(rules.cancel, revision=command.revision))


async def attended(
    uow: UnitOfWork,
    appointment_id: str,
    command: AppointmentChange,
    principal: Principal,
    now: datetime,
) -> Located:
    """The person came to the appointment (it must have started)."""
    located = await _locate(uow, appointment_id, principal)
    return _change(
        uow, located, principal, now, partial(rules.attended, now=now, revision=command.revision)
    )


async def missed(
    uow: UnitOfWork,
    appointment_id: str,
    command: AppointmentChange,
    principal: Principal,
    now: datetime,
) -> Located:
    """The person did not come to the appointment (it must have started)."""
    located = await _locate(uow, appointment_id, principal)
    return _change(
        uow, located, principal, now, partial(rules.missed, now=now, revision=command.revision)
    )


async def _locate(uow: UnitOfWork, appointment_id: str, principal: Principal) -> Located:
    """The appointment, locked until commit so two changes never both take a revision, and
    its case; 404 unless the caller works on that case."""
    invisible = "No appointment with this id is visible to your organisation."
    return await find_of_case(
        uow.session, Appointment, appointment_id, principal, Need.WORK, missing=invisible, lock=True
    )


def _change(
    uow: UnitOfWork,
    located: Located,
    principal: Principal,
    now: datetime,
    move: Callable[[AppointmentState], Change],
) -> Located:
    case, appointment = located
    state, event = move(_state(case, appointment))
    _apply(appointment, state, principal, now)
    uow.record(event)
    return case, appointment


def _state(case: Case, appointment: Appointment) -> AppointmentState:
    return AppointmentState(
        appointment_id=appointment.id,
        case_id=case.id,
        person_id=case.person_id,
        organisation_id=case.organisation_id,
        kind=appointment.kind,
        status=Status(appointment.status),
        revision=appointment.revision,
        starts_at=appointment.starts_at,
        timezone=appointment.timezone,
        place=appointment.place_enc,
    )


def _apply(appointment: Appointment, state: AppointmentState, by: Principal, now: datetime) -> None:
    appointment.status = state.status.value
    appointment.revision = state.revision
    appointment.starts_at = state.starts_at
    appointment.timezone = state.timezone
    appointment.place_enc = state.place
    appointment.updated_by = by.user_id
    appointment.updated_at = now
