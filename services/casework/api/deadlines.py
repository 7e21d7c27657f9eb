"""Routes of legal deadlines: a case's deadlines, their clock, and applying new rule data."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.casework.api.deps import Caseworker, Coordinator, Now, Reading, Rules, Units
from services.casework.domain.deadlines import ClockEvent
from services.casework.handlers import deadlines
from services.casework.handlers.deadlines import SYSTEM
from services.casework.queries import deadlines as queries
from services.casework.schemas.deadlines import (
    ClockEventCreate,
    DeadlinePublic,
    RecomputeResult,
)

router = APIRouter(tags=["deadlines"])


@router.get("/cases/{case_id}/deadlines", response_model=list[DeadlinePublic])
async def deadlines_of_case(
    case_id: uuid.UUID, principal: Caseworker, session: Reading, rules: Rules
) -> list[DeadlinePublic]:
    """The case's legal deadlines: computed and notified dates side by side, with the rule
    version and legal reference, and every recomputation."""
    return await queries.of_case(session, rules, str(case_id), principal)


@router.post("/deadlines/{deadline_id}/clock", response_model=DeadlinePublic)
async def record_clock_event(
    deadline_id: uuid.UUID,
    body: ClockEventCreate,
    principal: Caseworker,
    units: Units,
    now: Now,
    rules: Rules,
) -> DeadlinePublic:
    """Suspend (e.g. legal aid asked), resume (legal aid decided) or interrupt a deadline."""
    async with units(principal) as uow:
        event = ClockEvent(kind=body.kind.value, on=body.on)
        deadline = await deadlines.record_clock_event(
            uow, rules, str(deadline_id), event, principal, now
        )
        await uow.commit()
        answers = await queries.of_case(uow.session, rules, deadline.case_id, principal)
    return next(d for d in answers if d.id == str(deadline_id))


@router.post("/deadline-rules/recompute", response_model=RecomputeResult)
async def apply_rule_data(
    principal: Coordinator, units: Units, now: Now, rules: Rules
) -> RecomputeResult:
    """Recompute the open deadlines whose rule version in force changed (the worker also
    does it when it starts with new rule data)."""
    async with units(SYSTEM) as uow:
        changed = await deadlines.apply_rule_data(uow, rules, now)
        await uow.commit()
    return RecomputeResult(changed=changed)
