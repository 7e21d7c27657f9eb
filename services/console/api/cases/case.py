"""The case pages: my organisation's cases, a case's page and its forms (moves, procedure,
appointments, tasks, notes, documents, sharing), and the inbox of referrals and offers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep, Now, Signed, SignedForm
from services.console.domain import cases as domain
from services.console.domain.problems import NOT_FOUND
from services.console.models import BrowserSession
from services.console.queries import cases as queries
from shared.web import NotFound

router = APIRouter(tags=["cases"])

Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=300)]
Number = Annotated[int, Form(ge=1, le=1_000_000_000)]
Item = Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Errors = dict[str, dict[str, str]]
Asked = tuple[str, str, str, dict[str, Any]]  # a change: method, service, path and body


@router.get("/cases", response_class=HTMLResponse)
async def case_list(
    signed: Signed,
    console: ConsoleDep,
    status: Annotated[str, Query(max_length=64)] = "",
    case_type: Annotated[str, Query(max_length=64)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    """My organisation's cases, newest first, filtered by status or procedure."""
    token, given = signed.access_token, {"status": status, "case_type": case_type}
    found = await queries.cases(console.services, token, offset=offset, **given)
    procedures = await queries.procedures(console.services, token)
    page = console.pages.render(
        signed.locale,
        "cases/list.html",
        user=signed,
        found=found,
        procedures=procedures,
        steps={p["id"]: domain.step_labels(p) for p in procedures},
        states=domain.STATES,
        filters=given,
        page="cases",
    )
    return HTMLResponse(page)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(case_id: uuid.UUID, signed: Signed, console: ConsoleDep, now: Now) -> Response:
    """A case's status and moves, deadlines, timeline, appointments, work and sharing."""
    return await _page(console, signed, str(case_id), now, {})


async def _page(
    console: ConsoleDep,
    signed: BrowserSession,
    case_id: str,
    now: datetime,
    errors: Errors,
    status: int = 200,
    given: dict[str, str] | None = None,
) -> HTMLResponse:
    view = await queries.case_view(console.services, signed.access_token, case_id)
    if view is None:
        raise NotFound(NOT_FOUND)
    procedure = domain.procedure_of(view.procedures, view.case["case_type"])
    page = console.pages.render(
        signed.locale,
        "cases/case.html",
        user=signed,
        view=view,
        procedure=procedure,
        steps=domain.step_labels(procedure),
        today=domain.office_today(now),
        countdown=domain.countdown,
        events=domain.EVENTS,
        kinds=domain.KINDS,
        states=domain.STATES,
        errors=errors,
        given=given or {},
        page="cases",
    )
    return HTMLResponse(page, status_code=status)


async def change_case(
    console: ConsoleDep,
    signed: BrowserSession,
    case_id: str,
    now: datetime,
    form: str,
    asked: Asked,
    fields: frozenset[str] = frozenset(),
    given: dict[str, str] | None = None,
) -> Response:
    """Ask for a change; back to the case's page, where a refusal is a sentence by the form."""
    method, service, path, body = asked
    answer = await console.services.change(method, service, path, signed.access_token, body)
    if answer.ok:
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    errors = {form: domain.refusal(answer.status, answer.body, set(fields))}
    return await _page(console, signed, case_id, now, errors, answer.status, given)


@router.post("/cases/{case_id}/transitions", response_class=HTMLResponse)
async def move(
    case_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    version: Number,
    to: Short = "",
    on: Short = "",
) -> Response:
    """Move the case to a status its procedure allows, on the date of the fact."""
    body = {"to": to, "version": version, **({"on": on} if on else {})}
    asked = ("POST", "casework", f"/cases/{case_id}/transitions", body)
    return await change_case(console, signed, str(case_id), now, "move", asked, frozenset({"on"}))


@router.post("/cases/{case_id}/assignee", response_class=HTMLResponse)
async def assign(
    case_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    version: Number,
    take: Literal["me", "nobody"] = Form(),
) -> Response:
    """Follow the case myself (it shows on my Today page), or leave it to nobody."""
    body = {"assignee": signed.user_id if take == "me" else None, "version": version}
    asked: Asked = ("PUT", "casework", f"/cases/{case_id}/assignee", body)
    return await change_case(console, signed, str(case_id), now, "assignee", asked)


@router.post("/cases/{case_id}/procedure", response_class=HTMLResponse)
async def choose_procedure(
    case_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    version: Number,
    case_type: Short = "",
    on: Short = "",
    notified_due: Short = "",
) -> Response:
    """Choose the procedure of a case opened from a referral, with the decision's dates."""
    given = {"case_type": case_type, "on": on, "notified_due": notified_due}
    found = domain.procedure_of(
        await queries.procedures(console.services, signed.access_token), case_type
    )
    try:
        notified = domain.notified(found, notified_due) if found else {}
    except ValueError:
        errors = {"procedure": {"notified_due": domain.NO_DEADLINE_TO_NOTIFY}}
        return await _page(console, signed, str(case_id), now, errors, 422, given)
    body = {"case_type": case_type, "version": version, "notified": notified}
    body |= {"on": on} if on else {}
    fields = frozenset({"case_type", "on", "notified"})
    asked = ("POST", "casework", f"/cases/{case_id}/procedure", body)
    return await change_case(console, signed, str(case_id), now, "procedure", asked, fields, given)


@router.post("/cases/{case_id}/appointments", response_class=HTMLResponse)
async def schedule(
    case_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    kind: Short = "",
    starts_at: Short = "",
    timezone: Short = domain.OFFICE_ZONE,
    place: Short = "",
) -> Response:
    """Schedule an appointment at a local date and time, in its time zone."""
    given = {"kind": kind, "starts_at": starts_at, "timezone": timezone, "place": place}
    try:
        at = domain.instant(starts_at, timezone)
    except ValueError as exc:
        sentence = domain.NOT_A_ZONE if str(exc) == "timezone" else domain.NOT_A_TIME
        return await _page(
            console, signed, str(case_id), now, {"schedule": {str(exc): sentence}}, 422, given
        )
    body = {"kind": kind, "starts_at": at.isoformat(), "timezone": timezone, "place": place}
    fields = frozenset({"kind", "starts_at", "timezone", "place"})
    asked = ("POST", "casework", f"/cases/{case_id}/appointments", body)
    return await change_case(console, signed, str(case_id), now, "schedule", asked, fields, given)


@router.post("/cases/{case_id}/appointments/{appointment_id}/reschedule")
async def reschedule(
    case_id: uuid.UUID,
    appointment_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    revision: Number,
    starts_at: Short = "",
    timezone: Short = domain.OFFICE_ZONE,
) -> Response:
    """Move an appointment to a new local date and time, from the revision read."""
    form = f"appointment-{appointment_id}"
    try:
        at = domain.instant(starts_at, timezone)
    except ValueError:
        errors = {form: {"": domain.NOT_A_TIME}}
        return await _page(console, signed, str(case_id), now, errors, 422)
    body = {"revision": revision, "starts_at": at.isoformat(), "timezone": timezone}
    asked = ("POST", "casework", f"/appointments/{appointment_id}/reschedule", body)
    return await change_case(console, signed, str(case_id), now, form, asked)


@router.post("/cases/{case_id}/appointments/{appointment_id}/{outcome}")
async def appointment_outcome(
    case_id: uuid.UUID,
    appointment_id: uuid.UUID,
    outcome: Literal["cancel", "attended", "missed"],
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    revision: Number,
) -> Response:
    """Cancel an appointment, or record that the person came or did not."""
    path = f"/appointments/{appointment_id}/{outcome}"
    asked = ("POST", "casework", path, {"revision": revision})
    return await change_case(
        console, signed, str(case_id), now, f"appointment-{appointment_id}", asked
    )


@router.post("/cases/{case_id}/shares")
async def offer_share(
    case_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    organisation_id: Short = "",
    kind: Short = "",
) -> Response:
    """Offer a partner access to the case (referral) or its ownership (transfer)."""
    body = {"organisation_id": organisation_id, "kind": kind}
    asked = ("POST", "casework", f"/cases/{case_id}/shares", body)
    fields = frozenset({"organisation_id", "kind"})
    return await change_case(console, signed, str(case_id), now, "share", asked, fields)


@router.post("/cases/{case_id}/shares/{share_id}/revoke")
async def revoke_share(
    case_id: uuid.UUID, share_id: uuid.UUID, signed: SignedForm, console: ConsoleDep, now: Now
) -> Response:
    """Take back an offer made to a partner."""
    asked: Asked = ("POST", "casework", f"/shares/{share_id}/revoke", {})
    return await change_case(console, signed, str(case_id), now, "shares", asked)
