"""Duplicate suggestions against the persons the caller's organisation may see.

Candidates come from the blind index (same phone, name keys, phonetic keys, words within
compatible birth-year bands); only those few are decrypted and scored by the matching rules."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.matching import suggest
from services.intake.domain.search_keys import duplicate_probes
from services.intake.models import Person
from services.intake.queries import index
from services.intake.queries.keys import KeyStore
from services.intake.schemas.persons import DuplicatePublic
from shared.auth import Principal
from shared.schemas import present

CANDIDATES = 50
"""At most this many records are decrypted and compared, the ones sharing the most."""


async def suggestions(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> list[DuplicatePublic]:
    """Possible duplicates of one person, best first; nothing is merged."""
    person = await session.get(Person, person_id)
    if person is None or person.merged_into is not None:
        return []
    target = await index.profile_of(session, keys, person)
    if target is None:
        return []
    probes = duplicate_probes(target.names, target.phone_e164, target.birth_year)
    found = await index.candidates(
        session, keys.blinder, probes, principal, exclude=person.id, limit=CANDIDATES
    )
    others = await index.profiles_of(session, keys, found)
    return [present(DuplicatePublic, s, reasons=list(s.reasons)) for s in suggest(target, others)]
