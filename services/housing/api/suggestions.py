"""Routes of the households suggested for beds an expired offer freed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.housing.api.board import CentreZone, tonight
from services.housing.api.deps import Now, OperatorStaff, Reading
from services.housing.queries import suggestions as queries
from services.housing.schemas.suggestions import SuggestionPublic
from shared.bounds import Day

router = APIRouter(tags=["suggestions"])


@router.get("/suggestions", response_model=list[SuggestionPublic])
async def list_suggestions(
    _principal: OperatorStaff,
    session: Reading,
    now: Now,
    zone: CentreZone,
    night: Annotated[
        Day | None, Query(description="the night, by its evening's date; tonight if unset")
    ] = None,
) -> list[SuggestionPublic]:
    """For the operator's staff: the households suggested for beds freed on a night (when an
    offer was not taken up in time), newest first; none suggested is said with a reason."""
    return await queries.for_night(session, night or tonight(now, zone))
