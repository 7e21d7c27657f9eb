"""The night's bed board, for the centre's operator: tonight's and later nights' from today's
rows, a past night's as housing's events recorded it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from services.housing.api.deps import Now, OperatorStaff, Reading, Settings, settings_of
from services.housing.api.figures import Outbox
from services.housing.container import Housing
from services.housing.domain.figures import morning_after
from services.housing.queries.board import board, board_as_recorded
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
    settings: Settings,
    outbox: Outbox,
    night: Annotated[
        Day | None, Query(description="the night, by its evening's date; tonight if unset")
    ] = None,
) -> BoardPublic:
    """Every bed of the centre and its state on a night: free, held, occupied or out of
    service, counted per site and room kind, the extra capacity apart (no names). A night
    before tonight is replayed from housing's events as recorded by the morning after (the
    night's figures' instant): what was changed since does not change it."""
    zone = settings.centre_timezone
    chosen = night or tonight(now, zone)
    if chosen >= tonight(now, zone):
        return await board(session, chosen)
    final = morning_after(chosen, settings.report_hour, ZoneInfo(zone))
    return await board_as_recorded(session, outbox, chosen, min(now, final))


def tonight(now: datetime, zone: str) -> date:
    """The date of the night that `now` belongs to, in the centre's time zone."""
    return now.astimezone(ZoneInfo(zone)).date()
