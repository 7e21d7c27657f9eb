"""Routes of a case as it was: its status, owner and partners, deadlines and appointments on
any date."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.audit.api.deps import Auditor, Keys, Now, Reading
from services.audit.queries import files
from services.audit.schemas.cases import CaseAsOf
from shared.bounds import Instant

router = APIRouter(prefix="/cases", tags=["cases"])


@router.get("/{case_id}", response_model=CaseAsOf)
async def case_as_of(
    case_id: uuid.UUID,
    principal: Auditor,
    session: Reading,
    keys: Keys,
    now: Now,
    as_of: Annotated[Instant | None, Query(description="the instant (now if unset)")] = None,
) -> CaseAsOf:
    """The case as it stood at `as_of`, computed from casework's events up to that instant."""
    return await files.case_file(session, keys, str(case_id), now if as_of is None else as_of)
