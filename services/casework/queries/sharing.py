"""Reading the offers made of cases: the owner sees all of a case's, a partner its own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.models import CaseShare
from services.casework.queries.access import find_case
from services.casework.schemas.sharing import SharePublic
from shared.auth import Principal, may_see_organisation
from shared.schemas import present


def public(share: CaseShare) -> SharePublic:
    """An offer as its parties read it."""
    return present(SharePublic, share)


async def of_case(session: AsyncSession, case_id: str, principal: Principal) -> list[SharePublic]:
    """Who the case was offered to, oldest first; a partner sees only the offers to itself."""
    case = await find_case(session, case_id, principal)
    query = select(CaseShare).where(col(CaseShare.case_id) == case.id)
    if not may_see_organisation(principal, case.organisation_id):
        query = query.where(col(CaseShare.organisation_id) == principal.org)  # its own
    rows = await session.execute(query.order_by(col(CaseShare.offered_at)))
    return [public(share) for share in rows.scalars()]


async def offers_to(session: AsyncSession, organisation_id: str, status: str) -> list[SharePublic]:
    """The offers made to an organisation in a status, oldest first."""
    rows = await session.execute(
        select(CaseShare)
        .where(col(CaseShare.organisation_id) == organisation_id, col(CaseShare.status) == status)
        .order_by(col(CaseShare.offered_at))
    )
    return [public(share) for share in rows.scalars()]
