"""The auditors' entry page (a search by person or case) and the chains' page: each
service's event log as audit verified it, its last signed checkpoint and the breaks found."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.audit.common import CHAINS, AuditorSession
from services.console.api.deps import ConsoleDep
from services.console.domain.problems import N_, NOT_FOUND
from shared.web import NotFound

router = APIRouter(tags=["audit"])
NOT_AN_ID = N_("Give an identifier as the services write it (32 hexadecimal digits).")
Given = Annotated[str, Query(max_length=64)]


@router.get("/audit", response_class=HTMLResponse)
async def entry(
    signed: AuditorSession, console: ConsoleDep, person: Given = "", case: Given = ""
) -> Response:
    """Find a person's history or a case by its identifier; the chains' page is linked."""
    kind, given = ("persons", person) if person else ("cases", case)
    if given:
        try:
            return RedirectResponse(f"/audit/{kind}/{uuid.UUID(given.strip())}", status_code=303)
        except ValueError:
            errors = {kind: NOT_AN_ID}
    else:
        errors = {}
    page = console.pages.render(
        signed.locale,
        "audit/entry.html",
        user=signed,
        errors=errors,
        given={"person": person, "case": case},
        page="audit",
    )
    return HTMLResponse(page, status_code=422 if errors else 200)


@router.get("/audit/chains", response_class=HTMLResponse)
async def chains(signed: AuditorSession, console: ConsoleDep) -> Response:
    """Per service: events verified in sequence and stored, the last checkpoint, breaks."""
    found = await console.services.get("audit", "/chains", signed.access_token)
    if found is None:
        raise NotFound(NOT_FOUND)
    page = console.pages.render(
        signed.locale,
        "audit/chains.html",
        user=signed,
        found=found,
        states=CHAINS,
        page="audit",
    )
    return HTMLResponse(page)
