"""Placement requests as staff read them, and the waiting list ranked by the rule book.

The operator's staff see every request; a referring organisation sees its own only, and any
other request is a 404 (never a 403 that would tell it exists)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.housing.domain import priority
from services.housing.models import PlacementOverride, PlacementRequest
from services.housing.schemas.placements import (
    OverridePublic,
    PlacementPublic,
    TermPublic,
    WaitingEntry,
    WaitingListPublic,
)
from shared.auth import Principal
from shared.crypto import CryptoError, decrypt_field
from shared.events.housing import override_reason_aad
from shared.keystore import KeyStoreClient, KeyStoreUnavailable, PersonKeyGone
from shared.schemas import present
from shared.web import Conflict, NotFound

NO_PLACEMENT = "No placement request with this id is visible to your organisation."


async def find_waiting(session: AsyncSession, placement_id: str) -> PlacementRequest:
    """A request still on the waiting list (404 unknown, 409 no longer waiting)."""
    placement = await session.get(PlacementRequest, placement_id)
    if placement is None:
        raise NotFound(NO_PLACEMENT)
    if placement.status != "waiting":
        raise Conflict(f"request {placement_id} is {placement.status}, no longer waiting")
    return placement


async def find_visible(
    session: AsyncSession, placement_id: str, principal: Principal, operator: str
) -> PlacementRequest:
    """The request, for the operator's staff and its referring organisation; else 404."""
    placement = await session.get(PlacementRequest, placement_id)
    if placement is None or principal.org not in (operator, placement.organisation_id):
        raise NotFound(NO_PLACEMENT)
    return placement


def public(placement: PlacementRequest) -> PlacementPublic:
    """The request as staff read it."""
    return present(PlacementPublic, placement)


async def listed(
    session: AsyncSession, principal: Principal, operator: str, *, mine: bool
) -> list[PlacementPublic]:
    """The requests the caller's organisation made (every one for the operator's staff unless
    `mine`), newest first."""
    query = select(PlacementRequest).order_by(col(PlacementRequest.requested_at).desc())
    if mine or principal.org != operator:
        query = query.where(col(PlacementRequest.organisation_id) == principal.org)
    rows = await session.execute(query.limit(500))
    return [public(row) for row in rows.scalars()]


def facts_of(placement: PlacementRequest) -> priority.HouseholdFacts:
    """What priority reads of a request."""
    members = tuple(
        priority.Member(
            age=_age(m.get("age")), pregnant=bool(m.get("pregnant")), health=bool(m.get("health"))
        )
        for m in placement.members
    )
    return priority.HouseholdFacts(
        members=members,
        requested_at=placement.requested_at,
        nights_without_shelter=placement.nights_without_shelter,
        woman_alone=placement.women_only and len(members) <= 1,
    )


def _age(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def waiting_list(
    session: AsyncSession, keys: KeyStoreClient, book: priority.RuleBook, today: date
) -> WaitingListPublic:
    """The waiting requests in the order the book and the overrides give, each term shown."""
    rows = await session.execute(
        select(PlacementRequest).where(col(PlacementRequest.status) == "waiting")
    )
    placements = {p.id: p for p in rows.scalars()}
    moves = await _overrides(session, list(placements))
    ranked = priority.order(
        book,
        [priority.Request(p.id, facts_of(p)) for p in placements.values()],
        today,
        [
            priority.Override(m.placement_id, m.made_by, "sealed", m.position, m.above)
            for m in moves
        ],
    )
    last = {m.placement_id: m for m in moves}  # the newest of each request's overrides
    entries = [
        await _entry(keys, placements[r.request.id], r, last.get(r.request.id), today)
        for r in ranked
    ]
    return WaitingListPublic(
        book_version=book.version, effective_from=book.effective_from, today=today, entries=entries
    )


async def _overrides(session: AsyncSession, ids: Sequence[str]) -> list[PlacementOverride]:
    if not ids:
        return []
    rows = await session.execute(
        select(PlacementOverride)
        .where(col(PlacementOverride.placement_id).in_(ids))
        .order_by(col(PlacementOverride.made_at), col(PlacementOverride.id))
    )
    return list(rows.scalars())


async def _entry(
    keys: KeyStoreClient,
    placement: PlacementRequest,
    ranked: priority.Ranked,
    move: PlacementOverride | None,
    today: date,
) -> WaitingEntry:
    shown = None
    if ranked.override is not None and move is not None:
        shown = present(OverridePublic, move, reason=await _reason(keys, placement, move))
    return WaitingEntry(
        position=ranked.position,
        scored_position=ranked.scored_position,
        placement_id=placement.id,
        person_id=placement.person_id,
        organisation_id=placement.organisation_id,
        household_size=len(placement.members),
        household_known=placement.household_known,
        requested_at=placement.requested_at,
        days_waiting=max((today - placement.requested_at.date()).days, 0),
        score=ranked.score.total,
        terms=[present(TermPublic, term) for term in ranked.score.terms],
        override=shown,
    )


async def _reason(
    keys: KeyStoreClient, placement: PlacementRequest, move: PlacementOverride
) -> str | None:
    """The override's reason in clear, or None when it cannot be read."""
    try:
        key = await keys.key(placement.person_id)
        aad = override_reason_aad(placement.id, move.id)
        return decrypt_field(key, move.reason_enc, aad=aad)
    except (PersonKeyGone, KeyStoreUnavailable, CryptoError):
        return None
