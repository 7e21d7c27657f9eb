"""Routes of allocation: rooms free for a household, offers, holds, check-in and check-out."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.housing.api.deps import Manager, Now, OperatorStaff, Reading, Units, settings_of
from services.housing.api.placements import Keys, OperatorCoordinator
from services.housing.container import Housing
from services.housing.domain.rooms import Nights
from services.housing.handlers import offers, splits, stays
from services.housing.handlers.offers import Terms
from services.housing.models import Offer
from services.housing.queries.availability import availability, split_candidates
from services.housing.schemas.offers import (
    MAX_NIGHTS,
    AvailabilityPublic,
    CheckOut,
    HoldCreate,
    OfferCreate,
    OfferPublic,
    SplitCreate,
    SplitPublic,
    SplitsPublic,
    StayPublic,
    household_from,
)
from shared.auth import Principal
from shared.schemas import present
from shared.service import provided
from shared.web import Forbidden, NotFound

router = APIRouter(tags=["offers"])
COORDINATORS_SPLIT = "Only a coordinator splits a household over several rooms."


def _terms(housing: Housing) -> Terms:
    return Terms.of(settings_of(housing))


OfferTerms = Annotated[Terms, Depends(provided(Housing, _terms))]
"""How long holds last, the offers' deadline hour and the centre's time zone."""


@router.get("/rooms/availability", response_model=AvailabilityPublic)
async def rooms_available(
    principal: OperatorStaff,
    session: Reading,
    now: Now,
    first_night: date,
    member: Annotated[list[str], Query(min_length=1, max_length=16)],
    nights: Annotated[int, Query(ge=1, le=MAX_NIGHTS)] = 1,
    accessible: bool = False,
    cot: bool = False,
    women_only: bool = False,
) -> AvailabilityPublic:
    """The rooms that take the household (`member=34f&member=8m`…) every night, best fit
    first, with the reason each other room cannot (the operator's staff)."""
    household = household_from(member, accessible=accessible, cot=cot, women_only=women_only)
    return await availability(session, household, Nights(first_night, nights), now)


@router.get("/rooms/splits", response_model=SplitsPublic)
async def rooms_for_a_split(
    principal: OperatorStaff,
    session: Reading,
    now: Now,
    first_night: date,
    member: Annotated[list[str], Query(min_length=1, max_length=16)],
    nights: Annotated[int, Query(ge=1, le=MAX_NIGHTS)] = 1,
    accessible: bool = False,
    cot: bool = False,
    women_only: bool = False,
) -> SplitsPublic:
    """Per site, the fewest rooms that hold the household (the same parameters as
    `/rooms/availability`), an adult in each, with their beds and who sleeps where, best
    first: a coordinator's choice (403 for others of the operator's staff)."""
    _coordinator(principal)
    household = household_from(member, accessible=accessible, cot=cot, women_only=women_only)
    nights_asked = Nights(first_night, nights)
    return await split_candidates(session, household, nights_asked, now, principal.user_id)


def _coordinator(principal: Principal) -> None:
    if not principal.has_role("coordinator", "admin"):
        raise Forbidden(COORDINATORS_SPLIT)


@router.post("/offers/split", status_code=201, response_model=SplitPublic)
async def split_household(
    body: SplitCreate,
    principal: OperatorCoordinator,
    units: Units,
    keys: Keys,
    now: Now,
    terms: OfferTerms,
) -> SplitPublic:
    """Split a placement's household over rooms of one site, with a reason (a coordinator of
    the operator): one offer per room, all made or none (409 when a bed is no longer free on
    a night), the same deadline, one SMS."""
    async with units(principal) as uow:
        row, made = await splits.split_household(uow, keys, body, principal, now, terms)
        await uow.commit()
    listed = [present(OfferPublic, offer) for offer in made]
    return present(SplitPublic, row, offers=listed, expires_at=made[0].expires_at)


@router.post("/offers", status_code=201, response_model=OfferPublic)
async def make_offer(
    body: OfferCreate, principal: Manager, units: Units, now: Now, terms: OfferTerms
) -> OfferPublic:
    """Offer beds of one room to a placement's household (its beds chosen when not named);
    409 "this bed is no longer free on <night>" when another took one first."""
    async with units(principal) as uow:
        offer = await offers.make_offer(uow, body, principal, now, terms)
        await uow.commit()
    return present(OfferPublic, offer)


@router.post("/holds", status_code=201, response_model=OfferPublic)
async def hold_bed(
    body: HoldCreate, principal: Manager, units: Units, now: Now, terms: OfferTerms
) -> OfferPublic:
    """Hold one bed for tonight while someone is brought over; it lapses by itself."""
    async with units(principal) as uow:
        offer = await offers.hold_bed(uow, body, principal, now, terms)
        await uow.commit()
    return present(OfferPublic, offer)


@router.get("/offers/{offer_id}", response_model=OfferPublic)
async def get_offer(offer_id: uuid.UUID, principal: OperatorStaff, session: Reading) -> OfferPublic:
    """An offer or hold and its state (the operator's staff)."""
    offer = await session.get(Offer, str(offer_id))
    if offer is None:
        raise NotFound("No offer with this id.")
    return present(OfferPublic, offer)


@router.post("/offers/{offer_id}/check-in", status_code=201, response_model=StayPublic)
async def check_in(offer_id: uuid.UUID, principal: Manager, units: Units, now: Now) -> StayPublic:
    """The household arrived: the offer becomes a stay."""
    async with units(principal) as uow:
        stay = await stays.check_in(uow, str(offer_id), principal, now)
        await uow.commit()
    return present(StayPublic, stay)


@router.post("/stays/{stay_id}/check-out", response_model=StayPublic)
async def check_out(
    stay_id: uuid.UUID,
    body: CheckOut,
    principal: Manager,
    units: Units,
    now: Now,
    terms: OfferTerms,
) -> StayPublic:
    """The household left, for a reason; without an orientation, a coordinator's decision,
    flagged."""
    async with units(principal) as uow:
        stay = await stays.check_out(uow, str(stay_id), body.reason, principal, now, terms)
        await uow.commit()
    return present(StayPublic, stay)
