"""The night's bed board, for the centre's operator."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from services.housing.api.deps import Now, OperatorStaff, Reading, settings_of
from services.housing.container import Housing
from services.housing.queries.board import board
from services.housing.schemas.board import BoardPublic
from shared.bounds import Day
from shared.service import provided

router = APIRouter(tags=["board"])


CentreZone = Annotated[
    str, Depends(provided(Housing, lambda housing: settings_of(housing).centre_timezone))
]
"""The centre's time zone (as offers and figures use it): its nights begin in the evening."""


@router.get("/board", response_model=BoardPublic)
async def night_board(
    principal: OperatorStaff,
    session: Reading,
    now: Now,
    zone: CentreZone,
    night: Annotated[
        Day | None, Query(description="the night, by its evening's date; tonight if unset")
    ] = None,
) -> BoardPublic:
    """Every bed of the centre and its state on a night: free, held, occupied or out of
    service, counted per site and room kind, the extra capacity apart (no names)."""
    return await board(session, night or tonight(now, zone))


def tonight(now: datetime, zone: str) -> date:
    """The date of the night that `now` belongs to, in the centre's time zone."""
    return now.astimezone(ZoneInfo(zone)).date()
