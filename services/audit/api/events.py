"""Routes of the event search: every service's events, by what they are about, who did
them, their type and when, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.audit.api.deps import Auditor, Reading
from services.audit.queries import events as queries
from services.audit.schemas.events import EventFilters, EventPage

router = APIRouter(prefix="/events", tags=["events"])


@router.get("", response_model=EventPage)
async def search_events(
    principal: Auditor, session: Reading, filters: Annotated[EventFilters, Query()]
) -> EventPage:
    """Events about a person, case, placement or organisation, by an actor, of a type, from
    `from` to `to` (excluded), oldest first; follow `next_cursor` for the next page."""
    return await queries.search(session, filters)
