"""Placement requests: opened once per referral from intake for emergency shelter (and the
referral answered), or directly by a caseworker; a coordinator's overrides of the waiting
list. The household's facts come from intake's composition, read with the person's key.
Handlers stage state and events and never commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.housing.domain import priority
from services.housing.models import IntakeFacts, PlacementOverride, PlacementRequest
from services.housing.queries.households import household_members
from services.housing.queries.placements import find_waiting
from services.housing.schemas.placements import OverrideCreate, PlacementCreate
from shared.auth import Principal
from shared.consumer import MessageContext
from shared.events import housing as events
from shared.events.casework import decline_reason_aad
from shared.events.intake import (
    HouseholdComposed,
    HouseholdDissolved,
    NeedsAssessed,
    ReferralRequested,
)
from shared.keystore import KeyStoreClient, seal
from shared.uow import UnitOfWork
from shared.web import Gone

log = structlog.get_logger(__name__)
SHELTER = "emergency_shelter"
REFERRALS = uuid.UUID("0d4c2a56-5f0e-4d8e-9a43-2f7c8a3b1e60")
"""A request opened from a referral has an id derived from the referral's: a second envelope
of the same referral finds the request already there."""
NOT_OPERATOR = "The emergency reception centre is run by another organisation."
Record = Callable[..., object]


@dataclass(frozen=True)
class Needs:
    """What a request asks of a room, and the nights without shelter when told directly."""

    accessible: bool = False
    cot: bool = False
    women_only: bool = False
    nights_without_shelter: int | None = None


@dataclass(frozen=True)
class Opening:
    """Who asks for whom, from which referral if any, and when."""

    id: str
    person_id: str
    organisation_id: str
    referral_id: str | None
    by: str
    at: datetime


async def on_referral_requested(
    ctx: MessageContext, event: ReferralRequested, keys: KeyStoreClient, operator: str
) -> None:
    """Open one request per referral to emergency shelter and accept it; a referral sent to
    an organisation that does not run the centre is declined (once, with its reason)."""
    if event.service != SHELTER:
        return
    request_id = str(uuid.uuid5(REFERRALS, event.referral_id))
    if await ctx.session.get(PlacementRequest, request_id) is not None:
        log.info("placement.referral_already_received", referral_id=event.referral_id)
        return
    if event.partner_id != operator:
        await _decline(ctx, keys, event, request_id)
        return
    at: datetime = event.requested_at  # the referral's own time: a replay says the same
    opened = await open_request(
        ctx.session,
        keys,
        ctx.record,
        Opening(request_id, event.person_id, event.partner_id, event.referral_id, "intake", at),
        Needs(),
    )
    ctx.record(
        events.ReferralAccepted(
            referral_id=event.referral_id,
            person_id=event.person_id,
            organisation_id=event.partner_id,
            placement_id=opened.id,
            accepted_at=at,
        )
    )
    log.info("placement.referral_accepted", referral_id=event.referral_id, placement_id=opened.id)


async def _decline(
    ctx: MessageContext, keys: KeyStoreClient, event: ReferralRequested, request_id: str
) -> None:
    """Keep the referral as a closed request (a second envelope of it finds it) and say no."""
    ctx.session.add(
        PlacementRequest(
            id=request_id,
            person_id=event.person_id,
            organisation_id=event.partner_id,
            referral_id=event.referral_id,
            status="closed",
            requested_by="intake",
            requested_at=event.requested_at,
        )
    )
    aad = decline_reason_aad(event.referral_id)
    try:
        reason = await seal(keys, event.person_id, NOT_OPERATOR, aad)
    except Gone:  # erased meanwhile: intake has nobody left to tell
        return
    ctx.record(
        events.ReferralDeclined(
            referral_id=event.referral_id,
            person_id=event.person_id,
            organisation_id=event.partner_id,
            reason=reason,
            declined_at=event.requested_at,
        )
    )
    log.info("placement.referral_declined", referral_id=event.referral_id)


async def request(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    body: PlacementCreate,
    principal: Principal,
    now: datetime,
) -> PlacementRequest:
    """A caseworker asks for a place for a person of their organisation."""
    needs = Needs(body.accessible, body.cot, body.women_only, body.nights_without_shelter)
    opening = Opening(
        str(uuid.uuid4()), str(body.person_id), principal.org, None, principal.user_id, now
    )
    return await open_request(uow.session, keys, uow.record, opening, needs)


async def open_request(
    session: AsyncSession, keys: KeyStoreClient, record: Record, opening: Opening, needs: Needs
) -> PlacementRequest:
    """Stage a waiting request with the household's facts as far as they can be read."""
    known = await session.get(IntakeFacts, opening.person_id)
    members, missing = await household_members(keys, known, opening.person_id, opening.at.date())
    nights = needs.nights_without_shelter
    if nights is None:
        nights = (known.nights_without_shelter if known else None) or 0
    if needs.women_only and members and members[0]["sex"] == "unknown":
        members[0]["sex"] = "f"
    placement = PlacementRequest(
        id=opening.id,
        person_id=opening.person_id,
        organisation_id=opening.organisation_id,
        referral_id=opening.referral_id,
        members=members,
        nights_without_shelter=nights,
        accessible=needs.accessible,
        cot=needs.cot,
        women_only=needs.women_only,
        household_known=missing is None,
        missing=missing,
        requested_by=opening.by,
        requested_at=opening.at,
    )
    session.add(placement)
    record(
        events.PlacementRequested(
            placement_id=placement.id,
            person_id=placement.person_id,
            organisation_id=placement.organisation_id,
            referral_id=placement.referral_id,
            household_size=len(members),
            household_known=placement.household_known,
            requested_at=placement.requested_at,
        )
    )
    log.info("placement.requested", placement_id=placement.id, household_known=missing is None)
    return placement


async def override(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    placement_id: str,
    body: OverrideCreate,
    principal: Principal,
    now: datetime,
) -> PlacementOverride:
    """A coordinator moves a waiting request to a position or above another, with a reason
    sealed with the person's key."""
    placement = await find_waiting(uow.session, placement_id)
    above = str(body.above) if body.above else None
    if above is not None:
        await find_waiting(uow.session, above)
    move = priority.Override(placement.id, principal.user_id, body.reason, body.position, above)
    row = PlacementOverride(
        id=str(uuid.uuid4()),
        placement_id=placement.id,
        position=move.position,
        above=move.above,
        reason_enc="",
        made_by=principal.user_id,
        made_at=now,
    )
    aad = events.override_reason_aad(placement.id, row.id)
    row.reason_enc = await seal(keys, placement.person_id, body.reason, aad)
    uow.session.add(row)
    uow.record(
        events.PlacementOverridden(
            placement_id=placement.id,
            override_id=row.id,
            person_id=placement.person_id,
            organisation_id=principal.org,
            position=row.position,
            above=row.above,
            reason=row.reason_enc,
            overridden_by=principal.user_id,
            overridden_at=now,
        )
    )
    log.info("placement.overridden", placement_id=placement.id, override_id=row.id)
    return row


async def on_household_composed(ctx: MessageContext, event: HouseholdComposed) -> None:
    """Keep the newest composition of a household, sealed as intake sealed it."""
    facts = await _facts(ctx.session, event.person_id, event.composed_at)
    if event.household_id == facts.household_id and event.version <= facts.household_version:
        return
    facts.household_id, facts.household_version = event.household_id, event.version
    facts.composition, facts.updated_at = event.composition, event.composed_at


async def on_household_dissolved(ctx: MessageContext, event: HouseholdDissolved) -> None:
    """The household no longer exists: its composition goes."""
    facts = await ctx.session.get(IntakeFacts, event.person_id)
    if facts is not None and facts.household_id == event.household_id:
        facts.household_id, facts.composition = None, None


async def on_needs_assessed(ctx: MessageContext, event: NeedsAssessed) -> None:
    """Keep the nights without shelter of the person's last assessment."""
    if event.nights_without_shelter is None:
        return
    facts = await _facts(ctx.session, event.person_id, event.assessed_at)
    facts.nights_without_shelter, facts.updated_at = event.nights_without_shelter, event.assessed_at


async def _facts(session: AsyncSession, person_id: str, at: datetime) -> IntakeFacts:
    facts = await session.get(IntakeFacts, person_id)
    if facts is None:
        facts = IntakeFacts(person_id=person_id, updated_at=at)
        session.add(facts)
    return facts
