"""Casework's HTTP routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.casework import queries
from services.casework.schemas import CaseFilters, CasePage, CasePublic
from shared.auth import Principal, require_roles
from shared.runtime import Runtime

router = APIRouter(prefix="/cases", tags=["cases"])


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
# the people who follow case files; auditors read history, not live files
Caseworker = Annotated[Principal, Depends(require_roles("caseworker", "coordinator"))]


@router.get("", response_model=CasePage)
async def list_cases(
    principal: Caseworker, runtime: RuntimeDep, filters: Annotated[CaseFilters, Query()]
) -> CasePage:
    """The cases the caller's organisation may see, newest first, a page at a time."""
    async with runtime.sessions() as session:
        return await queries.list_cases(session, principal, filters)


@router.get("/{case_id}", response_model=CasePublic)
async def get_case(case_id: uuid.UUID, principal: Caseworker, runtime: RuntimeDep) -> CasePublic:
    """A case, if the caller's organisation may see it."""
    async with runtime.sessions() as session:
        return await queries.get_case(session, str(case_id), principal)
