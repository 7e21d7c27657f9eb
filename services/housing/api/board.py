"""The night's bed board, for the centre's operator."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from services.housing.api.deps import Now, OperatorStaff, Reading
from services.housing.container import Housing
from services.housing.queries.board import board
from services.housing.schemas.board import BoardPublic
from services.housing.settings import HousingSettings
from shared.bounds import Day
from shared.service import provided

router = APIRouter(tags=["board"])


def _zone(housing: Housing) -> str:
    settings = housing.runtime.settings
    if not isinstance(settings, HousingSettings):
        raise TypeError("housing runs with HousingSettings")
    return settings.centre_timezone


CentreZone = Annotated[str, Depends(provided(Housing, _zone))]
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
