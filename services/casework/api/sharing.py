"""Routes of sharing: referring a case to a partner, transferring it, answering offers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlmodel import col

from services.casework.api.deps import CaseworkDep, Caseworker
from services.casework.handlers import sharing
from services.casework.models import CaseShare
from services.casework.queries.access import find_case
from services.casework.schemas.cases import Status
from services.casework.schemas.sharing import ShareAction, ShareAnswer, ShareCreate, SharePublic
from shared.auth import may_see_organisation

router = APIRouter(tags=["sharing"])


@router.post("/cases/{case_id}/shares", status_code=201, response_model=SharePublic)
async def offer_share(
    case_id: uuid.UUID, body: ShareCreate, principal: Caseworker, casework: CaseworkDep
) -> SharePublic:
    """Offer a partner access to the case (referral) or its ownership (transfer); refused
    without the person's consent to share with that partner."""
    async with casework.unit_of_work(principal) as uow:
        share = await sharing.offer(uow, str(case_id), body, principal, casework.clock())
        public = SharePublic.model_validate(share, from_attributes=True)
        await uow.commit()
    return public


@router.get("/cases/{case_id}/shares", response_model=list[SharePublic])
async def shares_of_case(
    case_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> list[SharePublic]:
    """Who the case was offered to, and where each offer stands (a partner sees its own)."""
    async with casework.runtime.sessions() as session:
        case = await find_case(session, str(case_id), principal)
        query = select(CaseShare).where(col(CaseShare.case_id) == case.id)
        if not may_see_organisation(principal, case.organisation_id):
            query = query.where(col(CaseShare.organisation_id) == principal.org)  # its own
        rows = await session.execute(query.order_by(col(CaseShare.offered_at)))
        return [SharePublic.model_validate(s, from_attributes=True) for s in rows.scalars()]


@router.get("/shares", response_model=list[SharePublic])
async def offers_to_my_organisation(
    principal: Caseworker,
    casework: CaseworkDep,
    status: Annotated[
        Status, Query(description="offered, accepted, declined, revoked")
    ] = "offered",
) -> list[SharePublic]:
    """The offers made to the caller's organisation (by default those awaiting an answer)."""
    async with casework.runtime.sessions() as session:
        rows = await session.execute(
            select(CaseShare)
            .where(col(CaseShare.organisation_id) == principal.org, col(CaseShare.status) == status)
            .order_by(col(CaseShare.offered_at))
        )
        return [SharePublic.model_validate(s, from_attributes=True) for s in rows.scalars()]


@router.post("/shares/{share_id}/{action}", response_model=SharePublic)
async def answer_share(
    share_id: uuid.UUID,
    action: ShareAction,
    principal: Caseworker,
    casework: CaseworkDep,
    body: ShareAnswer | None = None,
) -> SharePublic:
    """The partner accepts or declines (with a reason); the owner revokes."""
    async with casework.unit_of_work(principal) as uow:
        share = await sharing.answer(
            uow,
            str(share_id),
            action,
            body.reason if body else None,
            principal,
            casework.clock(),
        )
        public = SharePublic.model_validate(share, from_attributes=True)
        await uow.commit()
    return public
