"""The waiting list with a coordinator's override of its order, and from it the rooms a
household could be offered on the nights chosen, with the offer of a room's beds."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep, Signed, SignedForm
from services.console.container import Console
from services.console.domain import housing as domain
from services.console.domain.problems import BY_TYPE, N_, NOT_FOUND
from services.console.models import BrowserSession
from services.console.queries import housing as queries
from shared.web import NotFound

router = APIRouter(tags=["housing"])
Nights = Annotated[int, Query(ge=1, le=92)]
Errors = dict[str, dict[str, str]]
ONLY_COORDINATOR = N_("Only a coordinator of the centre changes the order of the waiting list.")
OVERRIDE_FIELDS = {"position", "reason"}


@router.get("/housing/waiting", response_class=HTMLResponse)
async def waiting_list(signed: Signed, console: ConsoleDep) -> HTMLResponse:
    """The households waiting for a bed, in the rule book's order, each with the terms of its
    score and a coordinator's override with its reason; only the centre's operator sees it,
    and only its coordinators are offered to move a household."""
    return await _waiting(console, signed, {})


async def _waiting(
    console: Console,
    signed: BrowserSession,
    errors: Errors,
    status: int = 200,
    given: dict[str, str] | None = None,
) -> HTMLResponse:
    answer = await console.services.get("housing", "/waiting-list", signed.access_token)
    if answer is None:
        raise NotFound(NOT_FOUND)
    page = console.pages.render(
        signed.locale,
        "housing/waiting.html",
        user=signed,
        waiting=answer,
        coordinator="coordinator" in signed.roles.split(),
        errors=errors,
        given=given or {},
        page="housing",
    )
    return HTMLResponse(page, status_code=status)


@router.post("/housing/placements/{placement_id}/override", response_class=HTMLResponse)
async def override(
    placement_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    position: Annotated[str, Form(max_length=8)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A coordinator moves a household to a place on the list, with its reason; back to the
    list, or the list with the sentence beside the household's form (housing decides who may)."""
    key = str(placement_id)
    given = {"placement_id": key, "position": position, "reason": reason}
    missing = {f: BY_TYPE["missing"] for f in ("position", "reason") if not given[f].strip()}
    if missing:
        return await _waiting(console, signed, {key: missing}, 422, given)
    body = {"position": position.strip(), "reason": reason.strip()}
    path = f"/placements/{placement_id}/override"
    answer = await console.services.post("housing", path, signed.access_token, body)
    if answer.ok:
        return RedirectResponse(f"/housing/waiting#placement-{key}", status_code=303)
    if answer.status == 403:
        refused = {"": ONLY_COORDINATOR}
    else:
        refused = domain.refusal(answer.status, answer.body, OVERRIDE_FIELDS)
    return await _waiting(console, signed, {key: refused}, answer.status, given)


@router.get("/housing/placements/{placement_id}/rooms", response_class=HTMLResponse)
async def rooms(
    placement_id: uuid.UUID,
    signed: Signed,
    console: ConsoleDep,
    first_night: Annotated[date | None, Query()] = None,
    nights: Nights = 1,
) -> Response:
    """The rooms that take the household every night asked for (tonight unless chosen), each
    with the beds it would hold, and why the others cannot; only the operator sees them."""
    return await _page(console, signed, str(placement_id), first_night, nights, {})


async def _page(
    console: Console,
    signed: BrowserSession,
    placement_id: str,
    first_night: date | None,
    nights: int,
    errors: dict[str, dict[str, str]],
    status: int = 200,
) -> HTMLResponse:
    token = signed.access_token
    found = await queries.rooms_for(console.services, token, placement_id, first_night, nights)
    if found is None:
        raise NotFound(NOT_FOUND)
    page = console.pages.render(
        signed.locale,
        "housing/rooms.html",
        user=signed,
        found=found,
        errors=errors,
        refusals=domain.ROOM_REFUSALS,
        page="housing",
    )
    return HTMLResponse(page, status_code=status)


@router.post("/housing/offers", response_class=HTMLResponse)
async def offer(
    signed: SignedForm,
    console: ConsoleDep,
    placement_id: Annotated[uuid.UUID, Form()],
    room_id: Annotated[uuid.UUID, Form()],
    first_night: Annotated[date, Form()],
    nights: Annotated[int, Form(ge=1, le=92)] = 1,
    bed_id: Annotated[list[uuid.UUID] | None, Form(max_length=16)] = None,
) -> Response:
    """Offer these beds of a room to the household; to the board of its first night, or the
    rooms again with the sentence beside the room when another household was first."""
    token = signed.access_token
    placement = await console.services.get("housing", f"/placements/{placement_id}", token)
    if placement is None:
        raise NotFound(NOT_FOUND)
    body = {
        "placement_id": str(placement_id),
        "room_id": str(room_id),
        "bed_ids": [str(bed) for bed in bed_id] if bed_id else None,
        "first_night": first_night.isoformat(),
        "nights": nights,
        "household": domain.household(placement),
    }
    answer = await console.services.post("housing", "/offers", token, body)
    if answer.ok:
        return RedirectResponse(f"/housing/board?night={first_night.isoformat()}", 303)
    errors = {str(room_id): domain.refusal(answer.status, answer.body, set())}
    return await _page(
        console, signed, str(placement_id), first_night, nights, errors, answer.status
    )
