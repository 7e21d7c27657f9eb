"""The blind index of persons, read: a few candidates found and ranked on keyed hashes.

Rows hold keyed hashes only. The database finds and ranks candidates on them; names are
decrypted for the few it returns, so the work follows the matches, not the whole file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain import profiles
from services.intake.domain.matching import Profile
from services.intake.domain.search_keys import Blinder, Kind, Term
from services.intake.models import Person, PersonIndexEntry
from services.intake.queries.access import scoped
from services.intake.queries.keys import KeyErased, KeyStore
from shared.auth import Principal


def matching(
    blinder: Blinder, terms: Iterable[Term]
) -> tuple[ColumnElement[bool], dict[str, Term]]:
    """A condition on index rows holding any of the terms, and which term each digest is."""
    by_digest = {blinder.digest(term): term for term in terms}
    by_kind: dict[Kind, list[str]] = {}
    for digest, (kind, _value) in by_digest.items():
        by_kind.setdefault(kind, []).append(digest)
    condition = or_(
        *(
            and_(
                col(PersonIndexEntry.kind) == kind.value, col(PersonIndexEntry.digest).in_(digests)
            )
            for kind, digests in by_kind.items()
        )
    )
    return condition, by_digest


async def candidates(
    session: AsyncSession,
    blinder: Blinder,
    probes: Mapping[Term, int],
    principal: Principal,
    *,
    exclude: str,
    limit: int,
) -> list[str]:
    """The persons the caller may see sharing the most weighty terms with `probes`, best first."""
    if not probes:
        return []
    condition, by_digest = matching(blinder, probes)
    # the database adds up the weights, so only the few best candidates leave it
    weight = case(
        *((col(PersonIndexEntry.digest) == d, probes[t]) for d, t in by_digest.items()), else_=0
    )
    score = func.sum(weight)
    query = (
        select(col(PersonIndexEntry.person_id))
        .join(Person, col(Person.id) == col(PersonIndexEntry.person_id))
        .where(condition, col(Person.merged_into).is_(None), col(Person.id) != exclude)
        .group_by(col(PersonIndexEntry.person_id))
        .order_by(score.desc(), col(PersonIndexEntry.person_id))
        .limit(limit)
    )
    return list((await session.execute(scoped(query, principal))).scalars())


def profile(person: Person, data_key: bytes) -> Profile:
    """What matching and indexing need of a person, decrypted (inside intake's process only)."""
    details = profiles.unseal(data_key, person.id, person.profile_enc)
    name = profiles.unseal_name(data_key, person.id, person.chosen_name_enc)
    return Profile(
        person.id,
        (name, *details.get("other_names", [])),
        details.get("phone"),
        profiles.birth_year(details),
    )


async def profile_of(session: AsyncSession, keys: KeyStore, person: Person) -> Profile | None:
    """The person's profile, or None once they are erased."""
    try:
        return profile(person, await keys.get(session, person.id))
    except KeyErased:
        return None


async def profiles_of(
    session: AsyncSession, keys: KeyStore, person_ids: list[str]
) -> list[Profile]:
    """The profiles of those persons not erased, their keys read in one query."""
    if not person_ids:
        return []
    persons = await session.execute(select(Person).where(col(Person.id).in_(person_ids)))
    data_keys = await keys.get_many(session, person_ids)
    return [profile(p, data_keys[p.id]) for p in persons.scalars() if p.id in data_keys]
