"""From a person's page: a member added to their household, the household formed around them
when they have none."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from services.console.api.deps import ConsoleDep, SignedForm
from services.console.api.persons.common import after
from services.console.domain.persons import member, members_kept
from services.console.domain.problems import NOT_FOUND
from services.console.queries.persons import read
from shared.web import NotFound

router = APIRouter(tags=["persons"])

MEMBER_FIELDS = {"relationship": "member_relationship", "birth_year": "member_birth_year"}


@router.post("/persons/{person_id}/household/members", response_class=HTMLResponse)
async def add_member(
    person_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    relationship: Annotated[str, Form(max_length=32)] = "",
    birth_year: Annotated[str, Form(max_length=8)] = "",
    dependant: Annotated[str, Form(max_length=8)] = "",
    household_id: Annotated[str, Form(max_length=64)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Add a member described by relation and age: the composition replaces the version the
    page showed, so a change made meanwhile is refused (409), not overwritten."""
    new = member(relationship, birth_year, bool(dependant))
    token = signed.access_token
    if not household_id:
        body: dict[str, Any] = {"reference_person_id": str(person_id), "members": [new]}
        answer = await console.services.post("intake", "/households", token, body)
    else:
        path = f"/households/{household_id}"
        household = (
            await read(console.services, "intake", path, token) if _uuid(household_id) else None
        )
        if household is None:
            raise NotFound(NOT_FOUND)
        body = {
            "version": version,
            "flags": household["flags"],
            "members": [*members_kept(household), new],
        }
        answer = await console.services.change("PUT", "intake", path, token, body)
    given = {"member_relationship": relationship, "member_birth_year": birth_year}
    return await after(console, signed, str(person_id), answer, MEMBER_FIELDS, "household", given)


def _uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
