"""Referring a case to a partner and transferring its ownership, with the person's consent."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlmodel import col

from services.casework.domain import Refused, sharing
from services.casework.handlers.cases import bump
from services.casework.models import Case, CaseShare
from services.casework.queries.access import Need, consents_to_share, find_case
from services.casework.schemas.sharing import ShareAction, ShareCreate
from shared.auth import CROSS_ORGANISATION_ROLES, Principal
from shared.events.casework import (
    CaseShareAnswered,
    CaseShareOffered,
    CaseShareRevoked,
    CaseTransferred,
)
from shared.uow import UnitOfWork
from shared.web import NotFound, Unprocessable

log = structlog.get_logger(__name__)


async def offer(
    uow: UnitOfWork, case_id: str, command: ShareCreate, principal: Principal, now: datetime
) -> CaseShare:
    """Offer a partner access to the case, or its ownership; both need the person's consent."""
    case = await find_case(uow.session, case_id, principal, Need.OWN)
    live = await uow.session.execute(
        select(col(CaseShare.kind)).where(
            col(CaseShare.case_id) == case.id,
            col(CaseShare.organisation_id) == command.organisation_id,
            col(CaseShare.status).in_(sharing.LIVE),
        )
    )
    if command.kind.value == "transfer" and await _live_transfer(uow, case.id) is not None:
        raise Refused("a transfer of this case is under way already: revoke it first")
    consented = await consents_to_share(uow.session, case.person_id, command.organisation_id)
    sharing.offer(
        case.organisation_id, command.organisation_id, consented, set(live.scalars()), command.kind
    )
    share = CaseShare(
        id=str(uuid.uuid4()),
        case_id=case.id,
        organisation_id=command.organisation_id,
        kind=command.kind.value,
        status="offered",
        offered_by=principal.user_id,
        offered_at=now,
    )
    uow.session.add(share)
    uow.record(
        CaseShareOffered(
            case_id=case.id,
            share_id=share.id,
            person_id=case.person_id,
            from_organisation=case.organisation_id,
            to_organisation=share.organisation_id,
            kind=share.kind,
            offered_at=now,
        )
    )
    return share


async def answer(
    uow: UnitOfWork,
    share_id: str,
    action: ShareAction,
    reason: str | None,
    principal: Principal,
    now: datetime,
) -> CaseShare:
    """The partner accepts or declines; the owner revokes. Accepting needs the consent still."""
    share = await uow.session.get(CaseShare, share_id)
    case = await uow.session.get(Case, share.case_id) if share else None
    if share is None or case is None or not _may(share, case, action, principal):
        raise NotFound("No such offer for your organisation.")
    if action is ShareAction.DECLINE and reason is None:
        raise Unprocessable("reason: a decline needs a reason")
    if action is ShareAction.ACCEPT:
        consented = await consents_to_share(uow.session, case.person_id, share.organisation_id)
        sharing.offer(case.organisation_id, share.organisation_id, consented, set(), share.kind)
    share.status = sharing.move(share.status, action.value)
    share.answered_by, share.answered_at, share.reason = principal.user_id, now, reason
    uow.record(_answered(share, action, now))
    if action is ShareAction.ACCEPT and share.kind == "transfer":
        await _transfer(uow, case, share, now)
    return share


def _answered(
    share: CaseShare, action: ShareAction, now: datetime
) -> CaseShareRevoked | CaseShareAnswered:
    """The event of an answer: the owner's revocation, or the partner's acceptance or refusal."""
    if action is ShareAction.REVOKE:
        return revoked(share, "revoked_by_owner", now)
    return CaseShareAnswered(
        case_id=share.case_id,
        share_id=share.id,
        to_organisation=share.organisation_id,
        kind=share.kind,
        status=share.status,
        answered_at=now,
    )


def revoked(share: CaseShare, cause: str, at: datetime) -> CaseShareRevoked:
    """The event of an offer ended by its owner, or by the person's consent withdrawn or erasure."""
    return CaseShareRevoked(
        case_id=share.case_id,
        share_id=share.id,
        to_organisation=share.organisation_id,
        cause=cause,
        revoked_at=at,
    )


async def _live_transfer(uow: UnitOfWork, case_id: str) -> CaseShare | None:
    query = select(CaseShare).where(
        col(CaseShare.case_id) == case_id,
        col(CaseShare.kind) == "transfer",
        col(CaseShare.status) == "offered",
    )
    return (await uow.session.execute(query)).scalars().first()


async def _transfer(uow: UnitOfWork, case: Case, share: CaseShare, now: datetime) -> None:
    previous = case.organisation_id
    await bump(uow, case, case.version, now)
    case.organisation_id, case.assignee = share.organisation_id, None
    uow.record(
        CaseTransferred(
            case_id=case.id,
            person_id=case.person_id,
            from_organisation=previous,
            to_organisation=case.organisation_id,
            version=case.version,
            transferred_at=now,
        )
    )
    log.info("case.transferred", case_id=case.id)


def _may(share: CaseShare, case: Case, action: ShareAction, principal: Principal) -> bool:
    if principal.has_role(*CROSS_ORGANISATION_ROLES):
        return True
    if action is ShareAction.REVOKE:
        return case.organisation_id == principal.org
    return share.organisation_id == principal.org
