"""Routes of legal deadlines: a case's deadlines, their clock, and applying new rule data."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.casework.api.deps import CaseworkDep, Caseworker
from services.casework.domain.deadlines import ClockEvent
from services.casework.handlers import deadlines
from services.casework.models import Deadline
from services.casework.queries import deadlines as queries
from services.casework.queries.access import Need, find_case
from services.casework.scheduler import recompute_after_rule_change
from services.casework.schemas.deadlines import (
    ClockEventCreate,
    DeadlinePublic,
    RecomputeResult,
)
from shared.auth import Principal, require_roles
from shared.web import NotFound

router = APIRouter(tags=["deadlines"])
Coordinator = Annotated[Principal, Depends(require_roles("coordinator", "admin"))]


@router.get("/cases/{case_id}/deadlines", response_model=list[DeadlinePublic])
async def deadlines_of_case(
    case_id: uuid.UUID, principal: Caseworker, casework: CaseworkDep
) -> list[DeadlinePublic]:
    """The case's legal deadlines: computed and notified dates side by side, with the rule
    version and legal reference, and every recomputation."""
    async with casework.runtime.sessions() as session:
        return await queries.of_case(session, casework.rules, str(case_id), principal)


@router.post("/deadlines/{deadline_id}/clock", response_model=DeadlinePublic)
async def record_clock_event(
    deadline_id: uuid.UUID, body: ClockEventCreate, principal: Caseworker, casework: CaseworkDep
) -> DeadlinePublic:
    """Suspend (e.g. legal aid asked), resume (legal aid decided) or interrupt a deadline."""
    async with casework.unit_of_work(principal) as uow:
        deadline = await uow.session.get(Deadline, str(deadline_id))
        if deadline is None:
            raise NotFound("No such deadline.")
        try:
            await find_case(uow.session, deadline.case_id, principal, Need.OWN)
        except NotFound as exc:
            raise NotFound("No such deadline.") from exc
        event = ClockEvent(kind=body.kind.value, on=body.on)
        deadlines.add_clock_event(uow, casework.rules, deadline, event, casework.clock())
        await uow.commit()
        answers = await queries.of_case(uow.session, casework.rules, deadline.case_id, principal)
    return next(d for d in answers if d.id == str(deadline_id))


@router.post("/deadline-rules/recompute", response_model=RecomputeResult)
async def apply_rule_data(principal: Coordinator, casework: CaseworkDep) -> RecomputeResult:
    """Recompute the open deadlines whose rule version in force changed (the worker also
    does it when it starts with new rule data)."""
    return RecomputeResult(changed=await recompute_after_rule_change(casework))
