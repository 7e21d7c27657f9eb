"""A person's history for auditors: what every service recorded about them, their consents
and referrals as they stood on a chosen date, and who read their file."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services.console.api.audit.common import (
    EVENTS,
    RESOURCES,
    STATES,
    AuditorSession,
    Day,
    Hour,
    as_of,
    as_of_params,
)
from services.console.api.deps import ConsoleDep
from services.console.domain.problems import NOT_FOUND
from shared.web import NotFound

router = APIRouter(tags=["audit"])


@router.get("/audit/persons/{person_id}", response_class=HTMLResponse)
async def person_history(
    person_id: uuid.UUID,
    signed: AuditorSession,
    console: ConsoleDep,
    on: Day = None,
    at: Hour = None,
) -> Response:
    """The person's timeline across services, oldest first, with who acted for which
    organisation; their consents and referrals on the date chosen; the access log."""
    token, base = signed.access_token, f"/persons/{person_id}"
    timeline, consents, access = await asyncio.gather(
        console.services.get("audit", f"{base}/timeline", token),
        console.services.get("audit", f"{base}/consents", token, **as_of_params(on, at)),
        console.services.get("audit", f"{base}/access", token),
    )
    if timeline is None or access is None:
        raise NotFound(NOT_FOUND)
    if consents is None:  # the person was not registered yet on the date chosen
        consents = {"consents": [], "referrals": []}
    page = console.pages.render(
        signed.locale,
        "audit/person.html",
        user=signed,
        person_id=str(person_id),
        timeline=timeline,
        consents=consents,
        access=access,
        chosen={"on": on, "at": at, "instant": as_of(on, at)},
        events=EVENTS,
        states=STATES,
        resources=RESOURCES,
        page="audit",
    )
    return HTMLResponse(page)
