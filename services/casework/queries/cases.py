"""Casework's read side, scoped to the caller's organisation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.models import Case
from services.casework.schemas import CaseFilters, CasePage, CasePublic
from shared.auth import CROSS_ORGANISATION_ROLES, Principal, may_see_organisation
from shared.web import NotFound


async def get_case(session: AsyncSession, case_id: str, principal: Principal) -> CasePublic:
    """The case if the caller's organisation may see it; otherwise as if absent."""
    case = await session.get(Case, case_id)
    if case is None or not may_see_organisation(principal, case.organisation_id):
        raise NotFound("No case with this id is visible to your organisation.")
    return CasePublic.model_validate(case, from_attributes=True)


async def list_cases(session: AsyncSession, principal: Principal, filters: CaseFilters) -> CasePage:
    """A page of the cases the caller's organisation may see, newest first."""
    query = _scoped(select(Case), principal)
    if filters.person_id is not None:
        query = query.where(col(Case.person_id) == str(filters.person_id))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(col(Case.opened_at).desc(), col(Case.id))
    cases = (await session.execute(page.limit(filters.limit).offset(filters.offset))).scalars()
    return CasePage(
        items=[CasePublic.model_validate(c, from_attributes=True) for c in cases],
        total=int(total),
        limit=filters.limit,
        offset=filters.offset,
    )


def _scoped(query: Select[Any], principal: Principal) -> Select[Any]:
    """Only the caller's organisation's cases; coordinators see across organisations."""
    if principal.has_role(*CROSS_ORGANISATION_ROLES):
        return query
    return query.where(col(Case.organisation_id) == principal.org)
