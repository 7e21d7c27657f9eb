"""Routes of social housing applications, their renewals and proposals."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from services.housing.api.deps import Now, Operator, Reading, Reads, Staff, Units
from services.housing.container import Housing
from services.housing.handlers import applications
from services.housing.queries import applications as queries
from services.housing.schemas.applications import (
    ApplicationCreate,
    ApplicationPublic,
    OutcomeCreate,
    ProposalCreate,
    ProposalPublic,
    RenewalCreate,
)
from shared.auth import Caseworker
from shared.keystore import KeyStoreClient
from shared.service import provided
from shared.web import NotFound

router = APIRouter(tags=["applications"])
Keys = Annotated[KeyStoreClient, Depends(provided(Housing, lambda h: h.keys))]
NO_PERSON = "No person with this id is visible to your organisation."
IndexKey = Annotated[bytes, Depends(provided(Housing, lambda h: h.index_key))]


def _today(housing: Housing) -> date:
    return housing.clock().astimezone(ZoneInfo(housing.settings.centre_timezone)).date()


Today = Annotated[date, Depends(provided(Housing, _today))]
"""Today's date in the centre's time zone: filings and renewals are dated by it."""


@router.post("/applications", status_code=201, response_model=ApplicationPublic)
async def file_application(
    body: ApplicationCreate,
    principal: Caseworker,
    units: Units,
    keys: Keys,
    index_key: IndexKey,
    now: Now,
    today: Today,
) -> ApplicationPublic:
    """Record a person's social housing application for your organisation; its renewal is
    due the day before each anniversary of the filing."""
    async with units(principal) as uow:
        row = await applications.file(uow, keys, index_key, body, principal, now, today)
        await uow.commit()
        return await queries.public(uow.session, keys, row)


@router.get("/applications", response_model=list[ApplicationPublic])
async def list_applications(
    principal: Staff,
    session: Reading,
    keys: Keys,
    operator: Operator,
    status: Annotated[Literal["active", "lapsed", "closed"] | None, Query()] = None,
) -> list[ApplicationPublic]:
    """The applications your organisation follows (the operator's staff: all), the nearest
    renewal first."""
    return await queries.listed(session, keys, principal, operator, status)


@router.get("/applications/{application_id}", response_model=ApplicationPublic)
async def get_application(
    application_id: uuid.UUID,
    principal: Staff,
    session: Reading,
    keys: Keys,
    operator: Operator,
    reads: Reads,
) -> ApplicationPublic:
    """An application with its proposals, for its organisation and the operator's staff."""
    row = await queries.find_visible(session, str(application_id), principal, operator)
    application = await queries.public(session, keys, row)
    reads.record(principal, "application", application.id, application.person_id)
    return application


@router.get("/persons/{person_id}/applications", response_model=list[ApplicationPublic])
async def person_applications(
    person_id: uuid.UUID,
    principal: Staff,
    session: Reading,
    keys: Keys,
    operator: Operator,
    reads: Reads,
) -> list[ApplicationPublic]:
    """The person's applications your organisation follows (the operator's staff: all); 404
    to another organisation that follows none, as for a person unknown."""
    found = await queries.of_person(session, keys, str(person_id), principal, operator)
    if not found and principal.org != operator:
        raise NotFound(NO_PERSON)
    for application in found:
        reads.record(principal, "application", application.id, application.person_id)
    return found


@router.post("/applications/{application_id}/renewals", response_model=ApplicationPublic)
async def renew_application(
    application_id: uuid.UUID,
    body: RenewalCreate,
    principal: Caseworker,
    units: Units,
    keys: Keys,
    operator: Operator,
    now: Now,
    today: Today,
) -> ApplicationPublic:
    """The application was renewed on a day, by its due date: the next is due a year later."""
    async with units(principal) as uow:
        row = await applications.renew(
            uow, str(application_id), body, principal, operator, now, today
        )
        await uow.commit()
        return await queries.public(uow.session, keys, row)


@router.post(
    "/applications/{application_id}/proposals", status_code=201, response_model=ProposalPublic
)
async def receive_proposal(
    application_id: uuid.UUID,
    body: ProposalCreate,
    principal: Caseworker,
    units: Units,
    keys: Keys,
    operator: Operator,
    now: Now,
) -> ProposalPublic:
    """A dwelling proposed after a commission; its description is sealed."""
    async with units(principal) as uow:
        proposal = await applications.receive_proposal(
            uow, keys, str(application_id), body, principal, operator, now
        )
        await uow.commit()
    return ProposalPublic(
        id=proposal.id,
        application_id=proposal.application_id,
        dwelling=body.dwelling,
        commission_on=proposal.commission_on,
        outcome=proposal.outcome,
        reason=None,
        received_at=proposal.received_at,
        answered_at=None,
    )


@router.post("/proposals/{proposal_id}/outcome", response_model=ProposalPublic)
async def answer_proposal(
    proposal_id: uuid.UUID,
    body: OutcomeCreate,
    principal: Caseworker,
    units: Units,
    keys: Keys,
    operator: Operator,
    now: Now,
) -> ProposalPublic:
    """The person accepted the proposal (the application closes) or refused it, with a reason."""
    async with units(principal) as uow:
        proposal, application = await applications.answer(
            uow, keys, str(proposal_id), body, principal, operator, now
        )
        await uow.commit()
    return queries.proposal_public(await queries.person_key(keys, application.person_id), proposal)
