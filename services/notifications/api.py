"""Notifications' HTTP routes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.notifications import queries
from services.notifications.schemas import ContactPublic
from shared.auth import CurrentPrincipal
from shared.runtime import Runtime

router = APIRouter(prefix="/contacts", tags=["contacts"])


@router.get("/{person_id}", response_model=ContactPublic)
async def get_contact(
    person_id: str, principal: CurrentPrincipal, request: Request
) -> ContactPublic:
    """A contact, if the caller's organisation may see it."""
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        return await queries.get_contact(session, person_id, principal)
