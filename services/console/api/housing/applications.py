"""The social housing applications the user's organisation follows (the operator: all),
the nearest renewal first: the renewal recorded from the list, the dwellings proposed after a
commission, and the person's answer to each (a refusal with its reason)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep, Now, Signed, SignedForm
from services.console.api.housing.board import CENTRE_ZONE
from services.console.container import Console
from services.console.domain import housing as domain
from services.console.domain.problems import BY_TYPE, N_, NOT_FOUND
from services.console.models import BrowserSession
from services.console.queries.services import Answer
from shared.web import NotFound

router = APIRouter(tags=["housing"])
Errors = dict[str, dict[str, str]]
Given = dict[str, str]
LIST = "/housing/applications"
REASON_NEEDED = N_("A refusal needs its reason.")
ANSWERED = N_("This proposal was answered already.")


@router.get("/housing/applications", response_class=HTMLResponse)
async def applications(signed: Signed, console: ConsoleDep, now: Now) -> HTMLResponse:
    """Each application with its renewal date and the days left, its proposals and their
    outcomes, and its DALO case."""
    return await _page(console, signed, now, {})


async def _page(
    console: Console,
    signed: BrowserSession,
    now: datetime,
    errors: Errors,
    status: int = 200,
    given: Given | None = None,
) -> HTMLResponse:
    """The list; after a refusal, the sentences beside the form refused (keyed by the form's
    key) and what was typed in it, kept."""
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
        given=given or {},
        page="housing",
    )
    return HTMLResponse(page, status_code=status)


async def _after(
    console: Console,
    signed: BrowserSession,
    now: datetime,
    asked: tuple[str, dict[str, Any]],
    form: tuple[str, set[str], Given],
) -> Response:
    """Ask housing for a change; back to the application on the list, or the list with the
    sentences beside the form refused."""
    path, body = asked
    key, fields, given = form
    answer: Answer = await console.services.post("housing", path, signed.access_token, body)
    if answer.ok:
        return RedirectResponse(f"{LIST}#{given['anchor']}", status_code=303)
    refused = domain.refusal(answer.status, answer.body, fields)
    detail = str(answer.body.get("detail") or "")
    if answer.status == 422 and "refusal needs its reason" in detail:
        refused = {"reason": REASON_NEEDED}
    elif answer.status == 409 and detail.startswith("the proposal was"):
        refused = {"": ANSWERED}
    return await _page(console, signed, now, {key: refused}, answer.status, given)


@router.post("/housing/applications/{application_id}/renewals", response_class=HTMLResponse)
async def renew(
    application_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    renewed_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The application was renewed on a day: its next renewal is due a year later."""
    key = str(application_id)
    given = {"form": key, "anchor": f"application-{key}", "renewed_on": renewed_on}
    asked = (f"/applications/{application_id}/renewals", {"renewed_on": renewed_on})
    return await _after(console, signed, now, asked, (key, {"renewed_on"}, given))


@router.post("/housing/applications/{application_id}/proposals", response_class=HTMLResponse)
async def propose(
    application_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    dwelling: Annotated[str, Form(max_length=1000)] = "",
    commission_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A dwelling was proposed to the person after a commission on a day."""
    key = f"proposal-{application_id}"
    given = {
        "form": key,
        "anchor": f"application-{application_id}",
        "dwelling": dwelling,
        "commission_on": commission_on,
    }
    missing = _missing(given, ("dwelling", "commission_on"))
    if missing:
        return await _page(console, signed, now, {key: missing}, 422, given)
    body = {"dwelling": dwelling.strip(), "commission_on": commission_on}
    asked = (f"/applications/{application_id}/proposals", body)
    return await _after(console, signed, now, asked, (key, {"dwelling", "commission_on"}, given))


@router.post("/housing/proposals/{proposal_id}/outcome", response_class=HTMLResponse)
async def answer_proposal(
    proposal_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    outcome: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """The person accepted the dwelling proposed, or refused it with a reason."""
    key = str(proposal_id)
    given = {"form": key, "anchor": f"proposal-{key}", "outcome": outcome, "reason": reason}
    missing = _missing(given, ("outcome",))
    if outcome == "refused" and not reason.strip():
        missing["reason"] = REASON_NEEDED
    if missing:
        return await _page(console, signed, now, {key: missing}, 422, given)
    body = {"outcome": outcome, "reason": reason.strip() or None}
    asked = (f"/proposals/{proposal_id}/outcome", body)
    return await _after(console, signed, now, asked, (key, {"outcome", "reason"}, given))


def _missing(given: Given, fields: tuple[str, ...]) -> dict[str, str]:
    """The sentence beside each required field left empty."""
    return {field: BY_TYPE["missing"] for field in fields if not given[field].strip()}
