"""A case as it stood on a date chosen by the auditor (status, owner and partners, open
deadlines and their due dates, appointments), and the events recorded about it."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services.console.api.audit.common import (
    EVENTS,
    STATES,
    AuditorSession,
    Day,
    Hour,
    as_of,
    as_of_params,
)
from services.console.api.deps import ConsoleDep
from services.console.domain import labels
from services.console.domain.problems import NOT_FOUND
from shared.web import NotFound

router = APIRouter(tags=["audit"])
EVENTS_SHOWN = 200
"""The case's events listed under it: its first ones (a case rarely has more)."""


@router.get("/audit/cases/{case_id}", response_class=HTMLResponse)
async def case_as_of(
    case_id: uuid.UUID,
    signed: AuditorSession,
    console: ConsoleDep,
    on: Day = None,
    at: Hour = None,
) -> Response:
    """The case on the date chosen (now if none), computed by audit from casework's events
    up to that instant, and the case's events in every service."""
    token, instant = signed.access_token, as_of(on, at)
    case, events = await asyncio.gather(
        console.services.get("audit", f"/cases/{case_id}", token, **as_of_params(on, at)),
        console.services.get("audit", "/events", token, case=str(case_id), limit=EVENTS_SHOWN),
    )
    if case is None and not (events and events["items"]):
        raise NotFound(NOT_FOUND)
    page = console.pages.render(
        signed.locale,
        "audit/case.html",
        user=signed,
        case_id=str(case_id),
        case=case,
        events=events["items"] if events else [],
        chosen={"on": on, "at": at, "instant": instant},
        names=EVENTS,
        states=STATES,
        kinds=labels.APPOINTMENTS,
        page="audit",
    )
    return HTMLResponse(page)
