"""The Today page: what matters first for the signed-in caseworker."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep, Signed
from services.console.domain.navigation import Entry
from services.console.domain.problems import N_
from services.console.queries.today import HORIZON_DAYS, today

router = APIRouter(tags=["today"])
MENU = [Entry("today", N_("Today"), "/today")]


@router.get("/")
async def home() -> Response:
    """The console opens on Today."""
    return RedirectResponse("/today", status_code=303)


@router.get("/today", response_class=HTMLResponse)
async def today_page(signed: Signed, console: ConsoleDep) -> HTMLResponse:
    """Deadlines of the next days, overdue items, this week's appointments, waiting referrals."""
    roles = frozenset(signed.roles.split())
    view = await today(console.services, signed.access_token, roles)
    page = console.pages.render(
        signed.locale, "today/today.html", user=signed, view=view, horizon=HORIZON_DAYS
    )
    return HTMLResponse(page)
