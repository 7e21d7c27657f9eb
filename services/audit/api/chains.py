"""Route of the chains' state for auditors: each service's verified head, its last
checkpoint and the breaks found, as /readyz tells it, behind the auditor's role."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.audit.api.deps import Auditor, Reading, Sources
from services.audit.queries.chains import chain_status

router = APIRouter(prefix="/chains", tags=["chains"])


@router.get("")
async def chains(principal: Auditor, session: Reading, sources: Sources) -> dict[str, Any]:
    """Per service: sequence linked and stored, events, last valid checkpoint and breaks; the
    latest breaks at their place, and "degraded" while any chain is broken."""
    return await chain_status(session, list(sources))
