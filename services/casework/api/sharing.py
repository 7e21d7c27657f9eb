"""Routes of sharing: referring a case to a partner, transferring it, answering offers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.casework.api.deps import Caseworker, Now, Reading, Units
from services.casework.handlers import sharing
from services.casework.queries import sharing as queries
from services.casework.schemas.cases import Status
from services.casework.schemas.sharing import ShareAction, ShareAnswer, ShareCreate, SharePublic

router = APIRouter(tags=["sharing"])


@router.post("/cases/{case_id}/shares", status_code=201, response_model=SharePublic)
async def offer_share(
    case_id: uuid.UUID, body: ShareCreate, principal: Caseworker, units: Units, now: Now
) -> SharePublic:
    """Offer a partner access to the case (referral) or its ownership (transfer); refused
    without the person's consent to share with that partner."""
    async with units(principal) as uow:
        share = await sharing.offer(uow, str(case_id), body, principal, now)
        public = queries.public(share)
        await uow.commit()
    return public


@router.get("/cases/{case_id}/shares", response_model=list[SharePublic])
async def shares_of_case(
    case_id: uuid.UUID, principal: Caseworker, session: Reading
) -> list[SharePublic]:
    """Who the case was offered to, and where each offer stands (a partner sees its own)."""
    return await queries.of_case(session, str(case_id), principal)


@router.get("/shares", response_model=list[SharePublic])
async def offers_to_my_organisation(
    principal: Caseworker,
    session: Reading,
    status: Annotated[
        Status, Query(description="offered, accepted, declined, revoked")
    ] = "offered",
) -> list[SharePublic]:
    """The offers made to the caller's organisation (by default those awaiting an answer)."""
    return await queries.offers_to(session, principal.org, status)


@router.post("/shares/{share_id}/{action}", response_model=SharePublic)
async def answer_share(
    share_id: uuid.UUID,
    action: ShareAction,
    principal: Caseworker,
    units: Units,
    now: Now,
    body: ShareAnswer | None = None,
) -> SharePublic:
    """The partner accepts or declines (with a reason); the owner revokes."""
    async with units(principal) as uow:
        reason = body.reason if body else None
        share = await sharing.answer(uow, str(share_id), action, reason, principal, now)
        public = queries.public(share)
        await uow.commit()
    return public
