"""Intake's HTTP routes: parse, call the handler, commit, answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.intake import handlers, queries
from services.intake.bootstrap import Intake
from services.intake.schemas import PersonCreate, PersonPublic
from shared.auth import Principal, require_roles

router = APIRouter(prefix="/persons", tags=["persons"])

# the people who serve persons; auditors read history, not live files
Staff = Annotated[Principal, Depends(require_roles("intake", "caseworker", "coordinator"))]


def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


IntakeDep = Annotated[Intake, Depends(_intake)]


@router.post("", status_code=201, response_model=PersonPublic)
async def register_person(body: PersonCreate, principal: Staff, intake: IntakeDep) -> PersonPublic:
    """Welcome a person: a chosen name and a language are enough, no document is asked."""
    async with intake.unit_of_work(principal) as uow:
        person = await handlers.register_person(
            uow, intake.keys, body, principal, datetime.now(UTC)
        )
        await uow.commit()
    return PersonPublic(
        id=person.id,
        organisation_id=person.organisation_id,
        chosen_name=body.chosen_name,
        preferred_language=person.preferred_language,
        registered_at=person.registered_at,
    )


@router.get("/{person_id}", response_model=PersonPublic)
async def get_person(person_id: uuid.UUID, principal: Staff, intake: IntakeDep) -> PersonPublic:
    """A person, if the caller's organisation may see them."""
    async with intake.runtime.sessions() as session:
        return await queries.get_person(session, intake.keys, str(person_id), principal)
