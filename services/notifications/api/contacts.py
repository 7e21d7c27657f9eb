"""Notifications' HTTP routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.notifications import queries
from services.notifications.schemas import ContactPublic
from shared.auth import Principal, require_roles
from shared.runtime import Runtime

router = APIRouter(prefix="/contacts", tags=["contacts"])


# the people who serve persons; auditors read history, not live files
Staff = Annotated[Principal, Depends(require_roles("intake", "caseworker", "coordinator"))]


@router.get("/{person_id}", response_model=ContactPublic)
async def get_contact(person_id: uuid.UUID, principal: Staff, request: Request) -> ContactPublic:
    """A contact, if the caller's organisation may see it."""
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        return await queries.get_contact(session, str(person_id), principal)
