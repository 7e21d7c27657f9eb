"""From a person's page: a referral to a partner's service, a duplicate record merged into the
person's, and a merge undone."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from services.console.api.deps import ConsoleDep, SignedForm
from services.console.api.persons.common import after, show, unconfirmed

router = APIRouter(tags=["persons"])

REFERRAL_FIELDS = {
    "partner_id": "refer_partner",
    "service": "refer_service",
    "override_reason": "refer_override",
}
MERGE_FIELDS = {"duplicate_id": "merge_duplicate", "reason": "merge_reason"}


@router.post("/persons/{person_id}/referrals", response_class=HTMLResponse)
async def refer(
    person_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    partner_id: Annotated[str, Form(max_length=64)] = "",
    service: Annotated[str, Form(max_length=64)] = "",
    override_reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Refer the person to a partner's service; intake checks the consent (a coordinator may
    override its absence, saying why) and that the partner provides it, and its refusal shows
    beside the field."""
    body = {"partner_id": partner_id, "service": service}
    if override_reason.strip():
        body["override_reason"] = override_reason
    path = f"/persons/{person_id}/referrals"
    answer = await console.services.post("intake", path, signed.access_token, body)
    given = {
        "refer_partner": partner_id,
        "refer_service": service,
        "refer_override": override_reason,
    }
    return await after(console, signed, str(person_id), answer, REFERRAL_FIELDS, "refer", given)


@router.post("/persons/{person_id}/merges", response_class=HTMLResponse)
async def merge(
    person_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    duplicate_id: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Merge a suggested duplicate record into this person's, once confirmed, with a reason."""
    given = {"merge_duplicate": duplicate_id, "merge_reason": reason}
    if not confirm:
        return await show(console, signed, str(person_id), unconfirmed("merge_confirm"), 422, given)
    body = {"duplicate_id": duplicate_id, "reason": reason}
    path = f"/persons/{person_id}/merges"
    answer = await console.services.post("intake", path, signed.access_token, body)
    return await after(console, signed, str(person_id), answer, MERGE_FIELDS, "merge", given)


@router.post("/persons/{person_id}/merges/{merge_id}/split", response_class=HTMLResponse)
async def split(
    person_id: uuid.UUID,
    merge_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Undo a merge, saying why: the merged record is a person of its own again."""
    path = f"/merges/{merge_id}/split"
    answer = await console.services.post("intake", path, signed.access_token, {"reason": reason})
    key = f"split-{merge_id}"
    return await after(console, signed, str(person_id), answer, {"reason": key}, key)
