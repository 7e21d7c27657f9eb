"""The blind index of persons, written with their state: keyed hashes of what finds them."""

from __future__ import annotations

import structlog
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain.matching import Profile
from services.intake.domain.search_keys import Blinder, indexed_terms
from services.intake.models import Person, PersonIndexEntry
from services.intake.queries.index import profile
from services.intake.queries.keys import KeyStore
from shared.db import SessionFactory

log = structlog.get_logger(__name__)


async def write(session: AsyncSession, blinder: Blinder, profile: Profile) -> None:
    """Replace the person's rows by those of their names, phone and birth year now."""
    await forget(session, profile.person_id)
    terms = indexed_terms(profile.names, profile.phone_e164, profile.birth_year)
    rows = [
        {
            "kind": kind.value,
            "digest": blinder.digest((kind, value)),
            "person_id": profile.person_id,
        }
        for kind, value in terms
    ]
    if rows:
        await session.execute(insert(PersonIndexEntry), rows)


async def forget(session: AsyncSession, person_id: str) -> None:
    """Delete the person's rows (at erasure, or before writing new ones)."""
    await session.execute(
        delete(PersonIndexEntry).where(col(PersonIndexEntry.person_id) == person_id)
    )


async def reindex(
    sessions: SessionFactory, keys: KeyStore, *, everyone: bool = False, batch: int = 500
) -> int:
    """Index the persons without rows (`everyone`: all, after the index key changed), a batch
    per transaction; returns how many were indexed."""
    done, after, clashes = 0, "", 0
    while True:
        try:
            indexed = await _index_batch(sessions, keys, after, everyone, batch)
        except IntegrityError:
            # another instance starting at the same time indexed some of them: read again
            clashes += 1
            if clashes > 3:
                raise
            continue
        if not indexed:
            break
        done, after = done + len(indexed), indexed[-1]
    log.info("persons.reindexed", count=done, everyone=everyone)
    return done


async def _index_batch(
    sessions: SessionFactory, keys: KeyStore, after: str, everyone: bool, batch: int
) -> list[str]:
    async with sessions() as session, session.begin():
        query = select(Person).where(col(Person.erased_at).is_(None), col(Person.id) > after)
        if not everyone:
            rows = select(col(PersonIndexEntry.person_id)).where(
                col(PersonIndexEntry.person_id) == col(Person.id)
            )
            query = query.where(~rows.exists())
        found = await session.execute(query.order_by(col(Person.id)).limit(batch))
        persons = list(found.scalars())
        data_keys = await keys.get_many(session, [p.id for p in persons])
        for person in persons:
            if person.id in data_keys:
                await write(session, keys.blinder, profile(person, data_keys[person.id]))
    return [person.id for person in persons]
