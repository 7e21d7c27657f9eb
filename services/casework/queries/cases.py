"""Reading cases, scoped to what the caller's organisation may see."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.domain.procedures import Catalogue, UnknownCaseType
from services.casework.models import Case, outbox_table
from services.casework.queries.access import Need, find_case, scoped
from services.casework.schemas.cases import CaseFilters, CasePage, CasePublic, TimelineEntry
from shared.auth import Principal, may_see_organisation
from shared.crypto import is_encrypted
from shared.schemas import present


def public(case: Case, procedures: Catalogue) -> CasePublic:
    """The case, with the statuses it may move to next."""
    allowed: list[str] = []
    if case.case_type is not None:
        try:
            allowed = list(procedures.get(case.case_type).allowed(case.status))
        except UnknownCaseType:
            allowed = []  # a procedure withdrawn from the rule data: the case stays readable
    return present(CasePublic, case, allowed_transitions=allowed)


async def get_case(
    session: AsyncSession, procedures: Catalogue, case_id: str, principal: Principal
) -> CasePublic:
    """The case if the caller's organisation may see it; otherwise as if absent."""
    return public(await find_case(session, case_id, principal), procedures)


async def list_cases(
    session: AsyncSession, procedures: Catalogue, principal: Principal, filters: CaseFilters
) -> CasePage:
    """A page of the cases the caller's organisation may see, newest first."""
    query = scoped(select(Case), principal)
    if filters.person_id is not None:
        query = query.where(col(Case.person_id) == str(filters.person_id))
    if filters.case_type is not None:
        query = query.where(col(Case.case_type) == filters.case_type)
    if filters.status is not None:
        query = query.where(col(Case.status) == filters.status)
    if filters.assignee is not None:
        query = query.where(col(Case.assignee) == filters.assignee)
    return await page_of(session, query, procedures, filters.limit, filters.offset)


async def page_of(
    session: AsyncSession, query: Select[Any], procedures: Catalogue, limit: int, offset: int
) -> CasePage:
    """A page of the query's cases, newest first, and how many it finds in all."""
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(col(Case.opened_at).desc(), col(Case.id))
    cases = (await session.execute(page.limit(limit).offset(offset))).scalars()
    return CasePage(
        items=[public(c, procedures) for c in cases], total=int(total), limit=limit, offset=offset
    )


HIDDEN_FROM_PARTNERS = frozenset({"casework.note_added.v1"})


async def timeline(
    session: AsyncSession, case_id: str, principal: Principal
) -> list[TimelineEntry]:
    """The case's events, oldest first: what happened, when, who; encrypted fields left out,
    and the owner's confidential notes left out for partners."""
    case = await find_case(session, case_id, principal, Need.READ)
    owner = may_see_organisation(principal, case.organisation_id)
    rows = await session.execute(
        select(outbox_table.c.envelope)
        .where(outbox_table.c.key == case.id)
        .order_by(outbox_table.c.seq)
    )
    entries = []
    for raw in rows.scalars():
        envelope = json.loads(raw)
        if not owner and envelope["type"] in HIDDEN_FROM_PARTNERS:
            continue
        data = {
            k: v
            for k, v in envelope["data"].items()
            if not (isinstance(v, str) and is_encrypted(v))
        }
        entries.append(
            TimelineEntry(
                type=envelope["type"],
                time=envelope["time"],
                actor=envelope.get("actor"),
                actororg=envelope.get("actororg"),
                data=data,
            )
        )
    return entries
