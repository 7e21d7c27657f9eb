"""The inbox of what waits for my organisation's answer: referrals received (accepting one
opens its case) and cases offered by another organisation (access or ownership)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep, Signed, SignedForm
from services.console.domain import cases as domain
from services.console.models import BrowserSession
from services.console.queries import cases as queries
from services.console.queries.services import Answer

router = APIRouter(tags=["referrals"])

Reason = Annotated[str, Form(max_length=2000)]


@router.get("/referrals", response_class=HTMLResponse)
async def referrals(signed: Signed, console: ConsoleDep) -> HTMLResponse:
    """The referrals my organisation received, pending first, and the cases offered to it."""
    return await _page(console, signed, {})


async def _page(
    console: ConsoleDep,
    signed: BrowserSession,
    errors: dict[str, dict[str, str]],
    status: int = 200,
) -> HTMLResponse:
    inbox = await queries.inbox(console.services, signed.access_token)
    page = console.pages.render(
        signed.locale,
        "cases/referrals.html",
        user=signed,
        inbox=inbox,
        states=domain.STATES,
        errors=errors,
        page="referrals",
    )
    return HTMLResponse(page, status_code=status)


async def _refused(
    console: ConsoleDep, signed: BrowserSession, form: str, answer: Answer
) -> HTMLResponse:
    errors = {form: domain.refusal(answer.status, answer.body, {"reason"})}
    return await _page(console, signed, errors, answer.status)


@router.post("/referrals/{referral_id}/accept")
async def accept(referral_id: uuid.UUID, signed: SignedForm, console: ConsoleDep) -> Response:
    """Take the referral on: its case opens, and its page is next."""
    path = f"/referrals/incoming/{referral_id}/accept"
    answer = await console.services.post("casework", path, signed.access_token, {})
    if not answer.ok:
        return await _refused(console, signed, f"referral-{referral_id}", answer)
    return RedirectResponse(f"/cases/{answer.body['case_id']}", status_code=303)


@router.post("/referrals/{referral_id}/decline")
async def decline(
    referral_id: uuid.UUID, signed: SignedForm, console: ConsoleDep, reason: Reason = ""
) -> Response:
    """Say no, with a reason the referrer reads."""
    path = f"/referrals/incoming/{referral_id}/decline"
    answer = await console.services.post("casework", path, signed.access_token, {"reason": reason})
    if not answer.ok:
        return await _refused(console, signed, f"referral-{referral_id}", answer)
    return RedirectResponse("/referrals", status_code=303)


@router.post("/offers/{share_id}/{action}")
async def answer_offer(
    share_id: uuid.UUID,
    action: Literal["accept", "decline"],
    signed: SignedForm,
    console: ConsoleDep,
    reason: Reason = "",
) -> Response:
    """Accept a case offered to my organisation, or decline it with a reason."""
    body = {"reason": reason} if action == "decline" else {}
    path = f"/shares/{share_id}/{action}"
    answer = await console.services.post("casework", path, signed.access_token, body)
    if not answer.ok:
        return await _refused(console, signed, f"offer-{share_id}", answer)
    target = f"/cases/{answer.body['case_id']}" if action == "accept" else "/referrals"
    return RedirectResponse(target, status_code=303)
