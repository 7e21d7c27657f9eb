"""A night's figures, past or future, replayed from housing's events: the operator's staff and
auditors read them whole; the funders' report (counts only) comes as JSON or CSV."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.housing.api.deps import Now, Operator, Reading, Settings
from services.housing.container import Housing
from services.housing.domain.figures import Figures, morning_after
from services.housing.queries.access import operates
from services.housing.queries.figures import night_figures
from services.housing.schemas.figures import (
    FiguresPublic,
    NightReport,
    figures_public,
    night_report,
    report_csv,
)
from services.housing.settings import HousingSettings
from shared.auth import Principal, require_roles
from shared.bounds import Day
from shared.service import provided

router = APIRouter(tags=["figures"])
NightPath = Annotated[Day, Path(description="the night, by its evening's date")]
Readers = Annotated[
    Principal, Depends(require_roles("intake", "caseworker", "coordinator", "auditor"))
]


async def _reader(principal: Readers, operator: Operator) -> Principal:
    operates(principal, operator)
    return principal


Reader = Annotated[Principal, Depends(_reader)]
"""Staff or an auditor of the operating organisation: reads the centre's figures."""


def _outbox(housing: Housing) -> Table:
    return housing.runtime.outbox.table


Outbox = Annotated[Table, Depends(provided(Housing, _outbox))]


@router.get("/nights/{night}/figures", response_model=FiguresPublic)
async def figures_of_night(
    night: NightPath,
    principal: Reader,
    session: Reading,
    now: Now,
    settings: Settings,
    outbox: Outbox,
) -> FiguresPublic:
    """A night's beds free, held, occupied and out of service per site and room kind, its
    stays and the waiting list, as recorded by the morning after (a future night: as booked
    so far), from housing's events."""
    found, recorded = await _read(session, outbox, night, now, settings)
    return figures_public(found, recorded)


@router.get("/nights/{night}/report.json", response_model=NightReport)
async def report_json(
    night: NightPath,
    principal: Reader,
    session: Reading,
    now: Now,
    settings: Settings,
    outbox: Outbox,
) -> NightReport:
    """The funders' report of a night: counts only, no person, no placement, no id."""
    return night_report(*await _read(session, outbox, night, now, settings))


@router.get(
    "/nights/{night}/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one figure a line"}},
)
async def report_as_csv(
    night: NightPath,
    principal: Reader,
    session: Reading,
    now: Now,
    settings: Settings,
    outbox: Outbox,
) -> Response:
    """The funders' report of a night as CSV: night, site, group, measure, value."""
    report = night_report(*await _read(session, outbox, night, now, settings))
    name = f"housing-night-{night.isoformat()}.csv"
    return Response(
        report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _read(
    session: AsyncSession, outbox: Table, night: date, now: datetime, settings: HousingSettings
) -> tuple[Figures, bool]:
    """The night's figures as of the morning after (or now, before it), and whether final."""
    final = morning_after(night, settings.report_hour, ZoneInfo(settings.centre_timezone))
    return await night_figures(session, outbox, night, min(now, final)), now >= final
