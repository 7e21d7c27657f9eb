"""Routes of case files: open, read, list, choose the procedure, move, assign, timeline."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.casework.api.deps import Caseworker, Now, Procedures, Reading, Reads, Rules, Units
from services.casework.domain.procedures import InvalidTransition
from services.casework.handlers import cases
from services.casework.queries import cases as queries
from services.casework.schemas.cases import (
    AssignmentUpdate,
    CaseCreate,
    CaseFilters,
    CasePage,
    CasePublic,
    ProcedureChoice,
    TimelineEntry,
    TransitionCreate,
)
from shared.web import Conflict

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", status_code=201, response_model=CasePublic)
async def open_case(
    body: CaseCreate,
    principal: Caseworker,
    units: Units,
    now: Now,
    procedures: Procedures,
    rules: Rules,
) -> CasePublic:
    """Open a case under a procedure for a person your organisation registered."""
    async with units(principal) as uow:
        case = await cases.open_case(uow, procedures, rules, body, principal, now)
        await uow.commit()
        return queries.public(case, procedures)


@router.get("", response_model=CasePage)
async def list_cases(
    principal: Caseworker,
    session: Reading,
    procedures: Procedures,
    filters: Annotated[CaseFilters, Query()],
) -> CasePage:
    """The cases the caller's organisation may see, newest first, a page at a time."""
    return await queries.list_cases(session, procedures, principal, filters)


@router.get("/{case_id}", response_model=CasePublic)
async def get_case(
    case_id: uuid.UUID,
    principal: Caseworker,
    session: Reading,
    procedures: Procedures,
    response: Response,
    reads: Reads,
) -> CasePublic:
    """A case, if the caller's organisation may see it; its ETag is its version."""
    case = await queries.get_case(session, procedures, str(case_id), principal)
    reads.record(principal, "case", case.id, case.person_id)
    response.headers["ETag"] = f'"{case.version}"'
    return case


@router.post("/{case_id}/procedure", response_model=CasePublic)
async def choose_procedure(
    case_id: uuid.UUID,
    body: ProcedureChoice,
    principal: Caseworker,
    units: Units,
    now: Now,
    procedures: Procedures,
    rules: Rules,
) -> CasePublic:
    """Choose the procedure of a case opened from a referral."""
    async with units(principal) as uow:
        case = await cases.choose_procedure(
            uow, procedures, rules, str(case_id), body, principal, now
        )
        await uow.commit()
        return queries.public(case, procedures)


@router.post("/{case_id}/transitions", response_model=CasePublic)
async def move_case(
    case_id: uuid.UUID,
    body: TransitionCreate,
    principal: Caseworker,
    units: Units,
    now: Now,
    procedures: Procedures,
    rules: Rules,
) -> CasePublic:
    """Move the case along its procedure; 409 lists the statuses allowed from here."""
    async with units(principal) as uow:
        try:
            case = await cases.move(uow, procedures, rules, str(case_id), body, principal, now)
        except InvalidTransition as exc:
            raise Conflict(str(exc), extra={"allowed": list(exc.allowed)}) from exc
        await uow.commit()
        return queries.public(case, procedures)


@router.put("/{case_id}/assignee", response_model=CasePublic)
async def assign_case(
    case_id: uuid.UUID,
    body: AssignmentUpdate,
    principal: Caseworker,
    units: Units,
    now: Now,
    procedures: Procedures,
) -> CasePublic:
    """Give the case to a caseworker of the owning organisation."""
    async with units(principal) as uow:
        case = await cases.assign(uow, str(case_id), body, principal, now)
        await uow.commit()
        return queries.public(case, procedures)


@router.get("/{case_id}/timeline", response_model=list[TimelineEntry])
async def case_timeline(
    case_id: uuid.UUID, principal: Caseworker, session: Reading
) -> list[TimelineEntry]:
    """What happened to the case, oldest first, and who did it."""
    return await queries.timeline(session, str(case_id), principal)
