"""Routes of case files: open, read, list, choose the procedure, move, assign, timeline."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.casework.api.deps import CaseworkDep, Caseworker
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
async def open_case(body: CaseCreate, principal: Caseworker, casework: CaseworkDep) -> CasePublic:
    """Open a case under a procedure for a person your organisation registered."""
    async with casework.unit_of_work(principal) as uow:
        case = await cases.open_case(uow, casework, body, principal, casework.clock())
        await uow.commit()
        return queries.public(case, casework.procedures)


@router.get("", response_model=CasePage)
async def list_cases(
    principal: Caseworker, casework: CaseworkDep, filters: Annotated[CaseFilters, Query()]
) -> CasePage:
    """The cases the caller's organisation may see, newest first, a page at a time."""
    async with casework.runtime.sessions() as session:
        return await queries.list_cases(session, casework.procedures, principal, filters)


@router.get("/{case_id}", response_model=CasePublic)
async def get_case(
    case_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep, response: Response
) -> CasePublic:
    """A case, if the caller's organisation may see it; its ETag is its version."""
    async with casework.runtime.sessions() as session:
        case = await queries.get_case(session, casework.procedures, str(case_id), principal)
    response.headers["ETag"] = f'"{case.version}"'
    return case


@router.post("/{case_id}/procedure", response_model=CasePublic)
async def choose_procedure(
    case_id: uuid.UUID, body: ProcedureChoice, principal: Caseworker, casework: CaseworkDep
) -> CasePublic:
    """Choose the procedure of a case opened from a referral."""
    async with casework.unit_of_work(principal) as uow:
        case = await cases.choose_procedure(
            uow, casework, str(case_id), body, principal, casework.clock()
        )
        await uow.commit()
        return queries.public(case, casework.procedures)


@router.post("/{case_id}/transitions", response_model=CasePublic)
async def move_case(
    case_id: uuid.UUID, body: TransitionCreate, principal: Caseworker, casework: CaseworkDep
) -> CasePublic:
    """Move the case along its procedure; 409 lists the statuses allowed from here."""
    async with casework.unit_of_work(principal) as uow:
        try:
            case = await cases.move(uow, casework, str(case_id), body, principal, casework.clock())
        except InvalidTransition as exc:
            raise Conflict(str(exc), extra={"allowed": list(exc.allowed)}) from exc
        await uow.commit()
        return queries.public(case, casework.procedures)


@router.put("/{case_id}/assignee", response_model=CasePublic)
async def assign_case(
    case_id: uuid.UUID, body: AssignmentUpdate, principal: Caseworker, casework: CaseworkDep
) -> CasePublic:
    """Give the case to a caseworker of the owning organisation."""
    async with casework.unit_of_work(principal) as uow:
        case = await cases.assign(uow, str(case_id), body, principal, casework.clock())
        await uow.commit()
        return queries.public(case, casework.procedures)


@router.get("/{case_id}/timeline", response_model=list[TimelineEntry])
async def case_timeline(
    case_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> list[TimelineEntry]:
    """What happened to the case, oldest first, and who did it."""
    async with casework.runtime.sessions() as session:
        return await queries.timeline(
            session, casework.runtime.outbox.table, str(case_id), principal
        )
