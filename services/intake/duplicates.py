"""Duplicate suggestions against the persons the caller's organisation may see."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import profiles, queries
from services.intake.keys import KeyStore, PersonErased
from services.intake.matching import Profile, suggest
from services.intake.models import Person
from services.intake.schemas import DuplicatePublic
from shared.auth import Principal


async def suggestions(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> list[DuplicatePublic]:
    """Possible duplicates of one person, best first; nothing is merged."""
    persons = await queries.visible_persons(session, principal)
    found = {p.id: profile for p in persons if (profile := await _profile(session, keys, p))}
    target = found.get(person_id)
    if target is None:
        return []
    return [
        DuplicatePublic(person_id=s.person_id, score=s.score, reasons=list(s.reasons))
        for s in suggest(target, found.values())
    ]


async def _profile(session: AsyncSession, keys: KeyStore, person: Person) -> Profile | None:
    # the matching needs names in clear: they never leave this process
    try:
        data_key = await keys.get(session, person.id)
    except PersonErased:
        return None
    details = profiles.unseal(data_key, person.id, person.profile_enc)
    name = profiles.unseal_name(data_key, person.id, person.chosen_name_enc)
    birth_year = details.get("birth_year") or _year(details.get("birth_date"))
    return Profile(
        person.id, (name, *details.get("other_names", [])), details.get("phone"), birth_year
    )


def _year(birth_date: str | None) -> int | None:
    return int(birth_date[:4]) if birth_date else None
