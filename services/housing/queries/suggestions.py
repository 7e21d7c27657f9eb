"""The households that could be suggested for freed beds, in waiting-list order, and the
suggestions made for a night."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.housing.domain import priority, rooms
from services.housing.models import Offer, PlacementOverride, PlacementRequest, Suggestion
from services.housing.queries.placements import facts_of
from services.housing.schemas.suggestions import SuggestionPublic
from shared.schemas import present

LOOK_BACK = timedelta(days=366)
"""No offer holds beds longer than this: a suggestion made earlier cannot cover the night."""


async def in_line(
    session: AsyncSession, book: priority.RuleBook, today: date
) -> list[tuple[int, PlacementRequest]]:
    """The waiting requests with no open or taken offer, each with its place on the waiting
    list (the rule book's order, the coordinators' overrides applied)."""
    rows = await session.execute(
        select(PlacementRequest).where(col(PlacementRequest.status) == "waiting")
    )
    placements = {p.id: p for p in rows.scalars()}
    if not placements:
        return []
    busy = await session.execute(
        select(col(Offer.placement_id)).where(
            col(Offer.placement_id).in_(list(placements)),
            col(Offer.status).in_(["offered", "taken"]),
        )
    )
    moves = await session.execute(
        select(PlacementOverride)
        .where(col(PlacementOverride.placement_id).in_(list(placements)))
        .order_by(col(PlacementOverride.made_at), col(PlacementOverride.id))
    )
    ranked = priority.order(
        book,
        [priority.Request(p.id, facts_of(p)) for p in placements.values()],
        today,
        [
            priority.Override(m.placement_id, m.made_by, "sealed", m.position, m.above)
            for m in moves.scalars()
        ],
    )
    offered = set(busy.scalars())
    return [(r.position, placements[r.request.id]) for r in ranked if r.request.id not in offered]


def household_of(placement: PlacementRequest) -> rooms.Household:
    """The request's household as the room rules read it."""
    members = tuple(
        rooms.Member(_age(m.get("age")), _sex(m.get("sex"))) for m in placement.members
    ) or (rooms.Member(None),)
    needs = rooms.Needs(
        accessible=placement.accessible, cot=placement.cot, women_only=placement.women_only
    )
    return rooms.Household(members, needs)


def _age(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _sex(value: object) -> rooms.Sex:
    return rooms.Sex(value) if value in {s.value for s in rooms.Sex} else rooms.Sex.UNKNOWN


async def for_night(session: AsyncSession, night: date) -> list[SuggestionPublic]:
    """The suggestions whose nights include `night`, newest first."""
    rows = await session.execute(
        select(Suggestion)
        .where(
            col(Suggestion.first_night) <= night, col(Suggestion.first_night) > night - LOOK_BACK
        )
        .order_by(col(Suggestion.suggested_at).desc(), col(Suggestion.id))
    )
    return [
        present(SuggestionPublic, s)
        for s in rows.scalars()
        if night < s.first_night + timedelta(days=max(s.nights, 1))
    ]
