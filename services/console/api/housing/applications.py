"""The social housing applications the user's organisation follows (the operator: all),
the nearest renewal first, and the renewal recorded from the list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep, Now, Signed, SignedForm
from services.console.api.housing.board import CENTRE_ZONE
from services.console.container import Console
from services.console.domain import housing as domain
from services.console.domain.problems import NOT_FOUND
from services.console.models import BrowserSession
from shared.web import NotFound

router = APIRouter(tags=["housing"])


@router.get("/housing/applications", response_class=HTMLResponse)
async def applications(signed: Signed, console: ConsoleDep, now: Now) -> HTMLResponse:
    """Each application with its renewal date and the days left, its proposals and their
    outcomes, and its DALO case."""
    return await _page(console, signed, now, {})


async def _page(
    console: Console,
    signed: BrowserSession,
    now: datetime,
    errors: dict[str, dict[str, str]],
    status: int = 200,
    renewed_on: str = "",
) -> HTMLResponse:
    found = await console.services.get("housing", "/applications", signed.access_token)
    if found is None:
        raise NotFound(NOT_FOUND)
    today = now.astimezone(CENTRE_ZONE).date()
    left = {a["id"]: domain.days_left(a["renewal_due"], today) for a in found}
    page = console.pages.render(
        signed.locale,
        "housing/applications.html",
        user=signed,
        applications=found,
        left=left,
        today=today,
        statuses=domain.APPLICATION_STATUSES,
        outcomes=domain.OUTCOMES,
        errors=errors,
        renewed_on=renewed_on,
        page="housing",
    )
    return HTMLResponse(page, status_code=status)


@router.post("/housing/applications/{application_id}/renewals", response_class=HTMLResponse)
async def renew(
    application_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    renewed_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The application was renewed on a day: its next renewal is due a year later."""
    path = f"/applications/{application_id}/renewals"
    body = {"renewed_on": renewed_on}
    answer = await console.services.post("housing", path, signed.access_token, body)
    if answer.ok:
        return RedirectResponse("/housing/applications", status_code=303)
    errors = {str(application_id): domain.refusal(answer.status, answer.body, {"renewed_on"})}
    return await _page(console, signed, now, errors, answer.status, renewed_on)
