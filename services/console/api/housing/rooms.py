"""The waiting list with a coordinator's override of its order, and from it the rooms a
household could be offered on the nights chosen, with the offer of a room's beds, and, for a
coordinator only, the rooms of one site it could be split over, with the split's offers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep, Signed, SignedForm
from services.console.container import Console
from services.console.domain import housing as domain
from services.console.domain.problems import BY_TYPE, GENERAL, N_, NOT_FOUND
from services.console.models import BrowserSession
from services.console.queries import housing as queries
from shared.web import NotFound, Unprocessable

router = APIRouter(tags=["housing"])
Nights = Annotated[int, Query(ge=1, le=92)]
Errors = dict[str, dict[str, str]]
Split = tuple[Errors, dict[str, str]]
"""A refused split: its sentences by site, and the form as given."""
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
    with the beds it would hold, and why the others cannot; for a coordinator, the rooms of
    one site it could be split over. Only the operator sees them."""
    return await _page(console, signed, str(placement_id), first_night, nights, {})


async def _page(
    console: Console,
    signed: BrowserSession,
    placement_id: str,
    first_night: date | None,
    nights: int,
    errors: Errors,
    status: int = 200,
    split: Split | None = None,
) -> HTMLResponse:
    """The rooms page; `errors` beside a room's offer, `split` (errors by site, the form as
    given) beside a split's."""
    token = signed.access_token
    found = await queries.rooms_for(console.services, token, placement_id, first_night, nights)
    if found is None:
        raise NotFound(NOT_FOUND)
    split_errors, given = split or ({}, {})
    page = console.pages.render(
        signed.locale,
        "housing/rooms.html",
        user=signed,
        found=found,
        errors=errors,
        refusals=domain.ROOM_REFUSALS,
        splits=await _splits(console, signed, found),
        split_errors=split_errors,
        given=given,
        page="housing",
    )
    return HTMLResponse(page, status_code=status)


async def _splits(
    console: Console, signed: BrowserSession, found: queries.RoomsFor
) -> list[dict[str, Any]]:
    """Housing's candidates for splitting the household, for a coordinator: none for others,
    nor for a household of one."""
    if not domain.may_split(signed.roles) or len(found.placement["members"]) < 2:
        return []
    asked = found.availability
    params = domain.room_query(found.placement, asked["first_night"], asked["nights"])
    answer = await console.services.get("housing", "/rooms/splits", signed.access_token, **params)
    return list(answer["splits"]) if answer else []


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


@router.post("/housing/offers/split", response_class=HTMLResponse)
async def split(
    signed: SignedForm,
    console: ConsoleDep,
    placement_id: Annotated[uuid.UUID, Form()],
    site_id: Annotated[str, Form(max_length=64)],
    first_night: Annotated[date, Form()],
    room: Annotated[list[str], Form(min_length=2, max_length=4)],
    nights: Annotated[int, Form(ge=1, le=92)] = 1,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A coordinator splits the household over these rooms of one site, with a reason; to
    the board of its first night, or the rooms again with the sentence beside the split."""
    chosen = domain.split_rooms(room)
    if chosen is None:
        raise Unprocessable(GENERAL)
    if not reason.strip():
        status, refused = 422, {"reason": BY_TYPE["missing"]}
    else:
        asked = {"first_night": first_night.isoformat(), "nights": nights, "rooms": chosen}
        status, refused = await _split(console, signed, placement_id, asked, reason.strip())
    if not refused:
        return RedirectResponse(f"/housing/board?night={first_night.isoformat()}", 303)
    given = {"site_id": site_id, "reason": reason}
    split_page = ({site_id: refused}, given)
    return await _page(
        console, signed, str(placement_id), first_night, nights, {}, status, split_page
    )


async def _split(
    console: Console,
    signed: BrowserSession,
    placement_id: uuid.UUID,
    asked: dict[str, Any],
    reason: str,
) -> tuple[int, dict[str, str]]:
    """Housing's answer to the split: its status, and the sentences of its refusal (none when
    the offers were made)."""
    token = signed.access_token
    placement = await console.services.get("housing", f"/placements/{placement_id}", token)
    if placement is None:
        raise NotFound(NOT_FOUND)
    body = {
        "placement_id": str(placement_id),
        **asked,
        "household": domain.household(placement),
        "reason": reason,
    }
    answer = await console.services.post("housing", "/offers/split", token, body)
    if answer.ok:
        return answer.status, {}
    return answer.status, domain.split_refusal(answer.status, answer.body)
