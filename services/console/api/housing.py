"""The reception centre's pages, from housing: tonight's bed board (or any night's) and the
waiting list with each household's priority terms."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from services.console.api.deps import ConsoleDep, Signed
from services.console.domain.navigation import Entry
from services.console.domain.problems import N_, NOT_FOUND
from shared.web import NotFound

router = APIRouter(tags=["housing"])
MENU = [Entry("housing", N_("Beds"), "/housing/board", frozenset({"caseworker", "coordinator"}))]


@router.get("/housing/board", response_class=HTMLResponse)
async def bed_board(
    signed: Signed,
    console: ConsoleDep,
    night: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    """Every bed of the centre and its state on a night (tonight unless one is chosen); only
    the centre's operator sees it."""
    params = {"night": night.isoformat()} if night else {}
    answer = await console.services.get("housing", "/board", signed.access_token, **params)
    if answer is None:
        raise NotFound(NOT_FOUND)
    page = console.pages.render(
        signed.locale, "housing/board.html", user=signed, board=answer, page="housing"
    )
    return HTMLResponse(page)


@router.get("/housing/waiting", response_class=HTMLResponse)
async def waiting_list(signed: Signed, console: ConsoleDep) -> HTMLResponse:
    """The households waiting for a bed, in the rule book's order, each with the terms of its
    score and a coordinator's override with its reason; only the centre's operator sees it."""
    answer = await console.services.get("housing", "/waiting-list", signed.access_token)
    if answer is None:
        raise NotFound(NOT_FOUND)
    page = console.pages.render(
        signed.locale, "housing/waiting.html", user=signed, waiting=answer, page="housing"
    )
    return HTMLResponse(page)
