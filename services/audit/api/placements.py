"""Routes of a housing placement as it was: its status, offers and stays on any date."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.audit.api.deps import Auditor, Now, Reading
from services.audit.queries import files
from services.audit.schemas.placements import PlacementAsOf
from shared.bounds import Instant

router = APIRouter(prefix="/placements", tags=["placements"])


@router.get("/{placement_id}", response_model=PlacementAsOf)
async def placement_as_of(
    placement_id: uuid.UUID,
    principal: Auditor,
    session: Reading,
    now: Now,
    as_of: Annotated[Instant | None, Query(description="the instant (now if unset)")] = None,
) -> PlacementAsOf:
    """The placement as it stood at `as_of`, computed from housing's events up to then."""
    return await files.placement_file(session, str(placement_id), now if as_of is None else as_of)
