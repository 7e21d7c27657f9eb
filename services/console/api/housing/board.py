"""The bed board, tonight's or any night's, and what is done from it: hold a free bed while
someone is brought over, check a household in, check it out with a reason."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep, Now, Signed, SignedForm
from services.console.container import Console
from services.console.domain import housing as domain
from services.console.domain.problems import NOT_FOUND
from services.console.models import BrowserSession
from shared.web import NotFound

router = APIRouter(tags=["housing"])
CENTRE_ZONE = ZoneInfo("Europe/Paris")
Short = Annotated[str, Form(max_length=64)]
Errors = dict[str, dict[str, str]]


@router.get("/housing/board", response_class=HTMLResponse)
async def bed_board(
    signed: Signed,
    console: ConsoleDep,
    now: Now,
    night: Annotated[date | None, Query()] = None,
) -> Response:
    """Every bed of the centre and its state on a night (tonight unless one is chosen), with
    the actions on tonight's beds; a past night as recorded then, without actions. Only the
    centre's operator sees it."""
    return await _page(console, signed, now, night, {})


async def _page(
    console: Console,
    signed: BrowserSession,
    now: datetime,
    night: date | None,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    params = {"night": night.isoformat()} if night else {}
    answer = await console.services.get("housing", "/board", signed.access_token, **params)
    if answer is None:
        raise NotFound(NOT_FOUND)
    past = bool(answer.get("replayed"))  # as housing's events recorded it: nothing to do
    tonight = not past and (night is None or night == now.astimezone(CENTRE_ZONE).date())
    page = console.pages.render(
        signed.locale,
        "housing/board.html",
        user=signed,
        board=answer,
        tonight=tonight,
        errors=errors,
        reasons=domain.CHECK_OUT_REASONS,
        page="housing",
    )
    return HTMLResponse(page, status_code=status)


async def _change(
    console: Console,
    signed: BrowserSession,
    now: datetime,
    night: str,
    key: str,
    asked: tuple[str, dict[str, Any]],
) -> Response:
    """Ask housing for a change; back to the board of the night, or the board with the
    sentence beside the action refused."""
    path, body = asked
    answer = await console.services.post("housing", path, signed.access_token, body)
    chosen = date.fromisoformat(night) if night else None
    if answer.ok:
        where = f"/housing/board?night={chosen.isoformat()}" if chosen else "/housing/board"
        return RedirectResponse(where, status_code=303)
    errors = {key: domain.refusal(answer.status, answer.body, {"reason"})}
    return await _page(console, signed, now, chosen, errors, answer.status)


Night = Annotated[str, Form(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")]


@router.post("/housing/holds", response_class=HTMLResponse)
async def hold(
    signed: SignedForm, console: ConsoleDep, now: Now, bed_id: Annotated[uuid.UUID, Form()]
) -> Response:
    """Hold a free bed for tonight while someone is brought over; it lapses by itself."""
    asked = ("/holds", {"bed_id": str(bed_id)})
    return await _change(console, signed, now, "", str(bed_id), asked)


@router.post("/housing/offers/{offer_id}/check-in", response_class=HTMLResponse)
async def check_in(
    offer_id: uuid.UUID, signed: SignedForm, console: ConsoleDep, now: Now, night: Night = ""
) -> Response:
    """The household offered these beds arrived."""
    asked: tuple[str, dict[str, Any]] = (f"/offers/{offer_id}/check-in", {})
    return await _change(console, signed, now, night, str(offer_id), asked)


@router.post("/housing/stays/{stay_id}/check-out", response_class=HTMLResponse)
async def check_out(
    stay_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    now: Now,
    reason: Short = "",
    night: Night = "",
) -> Response:
    """The household left, for a reason (without an orientation: a coordinator's decision)."""
    asked = (f"/stays/{stay_id}/check-out", {"reason": reason})
    return await _change(console, signed, now, night, str(stay_id), asked)
