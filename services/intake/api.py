"""Intake's HTTP routes: parse, call the handler, commit, answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.intake import duplicates, handlers, queries
from services.intake.bootstrap import Intake
from services.intake.schemas import DuplicatePublic, PersonCreate, PersonPublic, PersonRegistered
from shared.auth import Principal, require_roles

router = APIRouter(prefix="/persons", tags=["persons"])

# the people who serve persons; auditors read history, not live files
Staff = Annotated[Principal, Depends(require_roles("intake", "caseworker", "coordinator"))]


def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


IntakeDep = Annotated[Intake, Depends(_intake)]


@router.post("", status_code=201, response_model=PersonRegistered)
async def register_person(
    body: PersonCreate, principal: Staff, intake: IntakeDep
) -> PersonRegistered:
    """Welcome a person: a chosen name is enough; possible duplicates are suggested, not merged."""
    async with intake.unit_of_work(principal) as uow:
        person = await handlers.register_person(
            uow, intake.keys, body, principal, datetime.now(UTC)
        )
        found = await duplicates.suggestions(uow.session, intake.keys, person.id, principal)
        await uow.commit()
        shown = await queries.get_person(uow.session, intake.keys, person.id, principal)
    return PersonRegistered(**shown.model_dump(), duplicates=found)


@router.get("/{person_id}", response_model=PersonPublic)
async def get_person(person_id: uuid.UUID, principal: Staff, intake: IntakeDep) -> PersonPublic:
    """A person, if the caller's organisation may see them."""
    async with intake.runtime.sessions() as session:
        return await queries.get_person(session, intake.keys, str(person_id), principal)


@router.get("/{person_id}/duplicates", response_model=list[DuplicatePublic])
async def person_duplicates(
    person_id: uuid.UUID, principal: Staff, intake: IntakeDep
) -> list[DuplicatePublic]:
    """Possible duplicates of a person among those the caller's organisation may see."""
    async with intake.runtime.sessions() as session:
        await queries.get_person(session, intake.keys, str(person_id), principal)  # 404 if unseen
        return await duplicates.suggestions(session, intake.keys, str(person_id), principal)
