"""The person's rights, for coordinators: the export of their data (GDPR art. 15) and its
erasure, which a legal hold may block."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from services.console.api.deps import ConsoleDep, Signed, SignedForm
from services.console.api.persons.common import after, show, unconfirmed
from services.console.domain.persons import COORDINATOR_ONLY, may_export_and_erase
from services.console.domain.problems import NOT_FOUND
from services.console.models import BrowserSession
from services.console.queries.persons import read
from shared.web import Forbidden, NotFound

router = APIRouter(tags=["persons"])
HOLD_FIELDS = {"reason": "hold_reason"}


def _coordinator(signed: BrowserSession) -> None:
    if not may_export_and_erase(signed.roles):
        raise Forbidden(COORDINATOR_ONLY)


@router.get("/persons/{person_id}/export")
async def export(person_id: uuid.UUID, signed: Signed, console: ConsoleDep) -> Response:
    """Everything intake holds about the person, as the JSON file intake answers (a download,
    never kept in a cache)."""
    _coordinator(signed)
    path = f"/persons/{person_id}/export"
    found = await read(console.services, "intake", path, signed.access_token)
    if found is None:
        raise NotFound(NOT_FOUND)
    headers = {
        "Content-Disposition": f'attachment; filename="person-{person_id}.json"',
        "Cache-Control": "no-store",
    }
    body = json.dumps(found, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json", headers=headers)


@router.post("/persons/{person_id}/erasure", response_class=HTMLResponse)
async def erase(
    person_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Erase the person's data once confirmed; a legal hold refuses it, said beside the button."""
    _coordinator(signed)
    if not confirm:
        return await show(console, signed, str(person_id), unconfirmed("erase_confirm"), 422)
    path = f"/persons/{person_id}/erasure"
    answer = await console.services.post("intake", path, signed.access_token, {})
    return await after(console, signed, str(person_id), answer, {}, "erase")


@router.post("/persons/{person_id}/legal-holds", response_class=HTMLResponse)
async def place_hold(
    person_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Block the person's erasure, saying why (e.g. an appeal pending before the CNDA)."""
    path = f"/persons/{person_id}/legal-holds"
    answer = await console.services.post("intake", path, signed.access_token, {"reason": reason})
    given = {"hold_reason": reason}
    return await after(console, signed, str(person_id), answer, HOLD_FIELDS, "hold", given)


@router.post("/persons/{person_id}/legal-holds/{hold_id}/lift", response_class=HTMLResponse)
async def lift_hold(
    person_id: uuid.UUID, hold_id: uuid.UUID, signed: SignedForm, console: ConsoleDep
) -> Response:
    """End a legal hold: erasure is possible again unless another one stands."""
    path = f"/persons/{person_id}/legal-holds/{hold_id}/lift"
    answer = await console.services.post("intake", path, signed.access_token, {})
    return await after(console, signed, str(person_id), answer, {}, "hold")
