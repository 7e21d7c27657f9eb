"""The route of a caseworker's day."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.casework.api.deps import Caseworker, Keys, Now, Procedures, Reading, Rules
from services.casework.queries import day as queries
from services.casework.schemas.day import Day, DayFilters

router = APIRouter(tags=["a caseworker's day"])


@router.get("/day", response_model=Day)
async def my_day(
    principal: Caseworker,
    session: Reading,
    now: Now,
    keys: Keys,
    rules: Rules,
    procedures: Procedures,
    filters: Annotated[DayFilters, Query()],
) -> Day:
    """My cases by status and type, deadlines in the next days, what is overdue, and the
    appointments of this week (Monday to Sunday, Paris time)."""
    return await queries.day(
        session, principal, filters, now, keys=keys, rules=rules, procedures=procedures
    )
