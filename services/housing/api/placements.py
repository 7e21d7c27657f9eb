"""Routes of placement requests and the waiting list."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.housing.api.deps import Now, Operator, OperatorStaff, Reading, Reads, Staff, Units
from services.housing.container import Housing
from services.housing.domain.priority import RuleBook
from services.housing.handlers import placements
from services.housing.queries import placements as queries
from services.housing.queries.access import operates
from services.housing.schemas.placements import (
    OverrideCreate,
    PlacementCreate,
    PlacementPublic,
    WaitingEntry,
    WaitingListPublic,
)
from shared.auth import Caseworker, Coordinator, Principal
from shared.keystore import KeyStoreClient
from shared.service import provided
from shared.web import NotFound

router = APIRouter(tags=["placements"])
Keys = Annotated[KeyStoreClient, Depends(provided(Housing, lambda h: h.keys))]
Book = Annotated[RuleBook, Depends(provided(Housing, lambda h: h.priority))]


async def _operator_coordinator(principal: Coordinator, operator: Operator) -> Principal:
    operates(principal, operator)
    return principal


OperatorCoordinator = Annotated[Principal, Depends(_operator_coordinator)]


@router.post("/placements", status_code=201, response_model=PlacementPublic)
async def request_placement(
    body: PlacementCreate, principal: Caseworker, units: Units, keys: Keys, now: Now
) -> PlacementPublic:
    """Ask for a place for a person; the household comes from intake's composition, and the
    answer says when it could not be read."""
    async with units(principal) as uow:
        placement = await placements.request(uow, keys, body, principal, now)
        await uow.commit()
    return queries.public(placement)


@router.get("/placements", response_model=list[PlacementPublic])
async def list_placements(
    principal: Staff,
    session: Reading,
    operator: Operator,
    mine: Annotated[bool, Query(description="only those your organisation asked for")] = False,
) -> list[PlacementPublic]:
    """The requests your organisation made (the operator's staff: every one, unless `mine`)."""
    return await queries.listed(session, principal, operator, mine=mine)


@router.get("/placements/{placement_id}", response_model=PlacementPublic)
async def get_placement(
    placement_id: uuid.UUID, principal: Staff, session: Reading, operator: Operator, reads: Reads
) -> PlacementPublic:
    """A request, for its referring organisation and the operator's staff (404 otherwise)."""
    placement = queries.public(
        await queries.find_visible(session, str(placement_id), principal, operator)
    )
    reads.record(principal, "placement", placement.id, placement.person_id)
    return placement


@router.get("/waiting-list", response_model=WaitingListPublic)
async def waiting_list(
    _principal: OperatorStaff, session: Reading, keys: Keys, book: Book, now: Now
) -> WaitingListPublic:
    """The waiting requests in priority order, each term's weight and points beside the score,
    under the rule book's version; a coordinator's override is shown with its reason."""
    return await queries.waiting_list(session, keys, book, now.date())


@router.post("/placements/{placement_id}/override", response_model=WaitingEntry)
async def override_placement(
    placement_id: uuid.UUID,
    body: OverrideCreate,
    principal: OperatorCoordinator,
    units: Units,
    keys: Keys,
    book: Book,
    now: Now,
) -> WaitingEntry:
    """Move a waiting request to a position or above another, with a reason (a coordinator
    of the operator); the answer is its new place on the list."""
    async with units(principal) as uow:
        await placements.override(uow, keys, str(placement_id), body, principal, now)
        await uow.commit()
        listed = await queries.waiting_list(uow.session, keys, book, now.date())
    entry = next((e for e in listed.entries if e.placement_id == str(placement_id)), None)
    if entry is None:  # it left the list at the same moment
        raise NotFound(queries.NO_PLACEMENT)
    return entry
