"""Opening cases, choosing their procedure, moving them along it, assigning them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import col

from services.casework.domain import Refused
from services.casework.domain.deadlines import RuleBook
from services.casework.domain.procedures import (
    Catalogue,
    InvalidTransition,
    Procedure,
    Step,
    UnknownCaseType,
    UnknownStatus,
)
from services.casework.handlers import deadlines
from services.casework.models import Case, KnownPerson
from services.casework.queries.access import Need, find_case
from services.casework.schemas.cases import (
    AssignmentUpdate,
    CaseCreate,
    ProcedureChoice,
    TransitionCreate,
)
from shared.auth import CROSS_ORGANISATION_ROLES, Principal
from shared.events.casework import CaseAssigned, CaseOpened, CaseStatusChanged
from shared.uow import UnitOfWork
from shared.web import Conflict, Gone, NotFound, Unprocessable

UNTYPED = "open"
"""The status of a case opened from a referral, before its procedure is chosen."""


async def open_case(
    uow: UnitOfWork,
    procedures: Catalogue,
    rules: RuleBook,
    command: CaseCreate,
    principal: Principal,
    now: datetime,
) -> Case:
    """Open a case under a procedure for a person the caller's organisation registered."""
    person = await uow.session.get(KnownPerson, str(command.person_id))
    cross = principal.has_role(*CROSS_ORGANISATION_ROLES)
    if person is None or not (cross or person.organisation_id == principal.org):
        raise NotFound("No person with this id is known to your organisation.")
    if person.erased_at is not None:
        raise Gone("This person was erased.")
    procedure = _procedure(procedures, command.case_type)
    on = command.on or now.date()
    case = Case(
        id=str(uuid.uuid4()),
        person_id=person.person_id,
        organisation_id=principal.org if not cross else person.organisation_id,
        service=command.service.value,
        case_type=procedure.id,
        status=procedure.initial,
        opened_at=now,
        version=1,
    )
    uow.session.add(case)
    uow.record(
        CaseOpened(
            case_id=case.id,
            person_id=case.person_id,
            organisation_id=case.organisation_id,
            service=case.service,
            opened_at=now,
            case_type=procedure.id,
            status=procedure.initial,
        )
    )
    await _enter(uow, rules, case, procedure.step(procedure.initial), on, command.notified, now)
    return case


async def choose_procedure(
    uow: UnitOfWork,
    procedures: Catalogue,
    rules: RuleBook,
    case_id: str,
    command: ProcedureChoice,
    principal: Principal,
    now: datetime,
) -> Case:
    """Set the procedure of a case opened from a referral; it starts at its first step."""
    case = await find_case(uow.session, case_id, principal, Need.OWN)
    if case.case_type is not None:
        raise Conflict(f"the procedure of this case is {case.case_type} already")
    procedure = _procedure(procedures, command.case_type)
    await bump(uow, case, command.version, now)
    case.case_type, case.status = procedure.id, procedure.initial
    _status_changed(uow, case, UNTYPED, command.on or now.date(), now)
    step = procedure.step(procedure.initial)
    await _enter(uow, rules, case, step, command.on or now.date(), command.notified, now)
    return case


async def move(
    uow: UnitOfWork,
    procedures: Catalogue,
    rules: RuleBook,
    case_id: str,
    command: TransitionCreate,
    principal: Principal,
    now: datetime,
) -> Case:
    """Move the case to its next status; the step starts and meets its legal deadlines."""
    case = await find_case(uow.session, case_id, principal, Need.OWN)
    if case.case_type is None:
        raise Refused("choose the case's procedure first")
    procedure = _procedure(procedures, case.case_type)
    try:
        step = procedure.check_transition(case.status, command.to)
    except UnknownStatus as exc:
        raise InvalidTransition(case.status, command.to, procedure.allowed(case.status)) from exc
    await bump(uow, case, command.version, now)
    previous, case.status = case.status, step.status
    _status_changed(uow, case, previous, command.on, now)
    await _enter(uow, rules, case, step, command.on, command.notified, now)
    return case


async def assign(
    uow: UnitOfWork, case_id: str, command: AssignmentUpdate, principal: Principal, now: datetime
) -> Case:
    """Give the case to a caseworker of the owning organisation (or to nobody)."""
    case = await find_case(uow.session, case_id, principal, Need.OWN)
    await bump(uow, case, command.version, now)
    case.assignee = command.assignee
    uow.record(
        CaseAssigned(
            case_id=case.id,
            organisation_id=case.organisation_id,
            assignee=case.assignee,
            version=case.version,
            assigned_at=now,
        )
    )
    return case


async def bump(uow: UnitOfWork, case: Case, expected: int, now: datetime) -> None:
    """Take the next version of the case, or 409 if someone changed it since `expected`:
    two caseworkers never silently overwrite each other."""
    result = await uow.session.execute(
        update(Case)
        .where(col(Case.id) == case.id, col(Case.version) == expected)
        .values(version=expected + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            f"the case changed since version {expected} (now version {case.version}): "
            "reload it and apply your change again",
            extra={"current_version": case.version},
        )
    case.version, case.updated_at = expected + 1, now


def _procedure(procedures: Catalogue, case_type: str) -> Procedure:
    try:
        return procedures.get(case_type)
    except UnknownCaseType as exc:
        known = ", ".join(procedures.ids())
        raise Unprocessable(f"case_type: unknown procedure {case_type!r}; known: {known}") from exc


def _status_changed(uow: UnitOfWork, case: Case, previous: str, on: date, now: datetime) -> None:
    assert case.case_type is not None
    uow.record(
        CaseStatusChanged(
            case_id=case.id,
            person_id=case.person_id,
            organisation_id=case.organisation_id,
            case_type=case.case_type,
            from_status=previous,
            to_status=case.status,
            effective_on=on,
            version=case.version,
            changed_at=now,
        )
    )


async def _enter(
    uow: UnitOfWork,
    rules: RuleBook,
    case: Case,
    step: Step,
    on: date,
    notified: dict[str, date],
    now: datetime,
) -> None:
    unknown = set(notified) - set(step.starts)
    if unknown:
        raise Unprocessable(
            f"notified: this step starts no deadline {', '.join(sorted(unknown))}"
            f" (it starts: {', '.join(step.starts) or 'none'})"
        )
    for rule_id in step.stops:
        await deadlines.close(uow, case, rule_id, "met", now)
    for kind, rule_ids in (
        ("suspended", step.suspends),
        ("resumed", step.resumes),
        ("interrupted", step.interrupts),
    ):
        for rule_id in rule_ids:
            await deadlines.clock_all(uow, rules, case, rule_id, kind, on, now)
    for rule_id in step.starts:
        deadlines.start(uow, rules, case, rule_id, on, notified.get(rule_id), now)
