"""Routes of a person's history: their timeline across services, and their consents and
referrals as they were on a date."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.audit.api.deps import Auditor, Keys, Now, Reading
from services.audit.queries import files, persons
from services.audit.schemas.persons import ConsentsAsOf, Timeline
from shared.bounds import Instant

router = APIRouter(prefix="/persons", tags=["persons"])

AsOf = Annotated[Instant | None, Query(description="the instant (now if unset)")]


@router.get("/{person_id}/timeline", response_model=Timeline)
async def person_timeline(
    person_id: uuid.UUID, principal: Auditor, session: Reading, keys: Keys
) -> Timeline:
    """What every service recorded about the person, oldest first, who did it and for which
    organisation; names in clear while the person's key exists, `[erased]` after."""
    return await persons.person_timeline(session, keys, str(person_id))


@router.get("/{person_id}/consents", response_model=ConsentsAsOf)
async def consents_as_of(
    person_id: uuid.UUID, principal: Auditor, session: Reading, now: Now, as_of: AsOf = None
) -> ConsentsAsOf:
    """The person's consents and referrals as they stood at `as_of`."""
    return await files.consents_file(session, str(person_id), _instant(as_of, now))


def _instant(as_of: datetime | None, now: datetime) -> datetime:
    return now if as_of is None else as_of
