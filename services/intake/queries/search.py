"""Finding a person by name, part of a name or phone, through the blind index.

The database matches and ranks keyed hashes; only the page of results is decrypted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Subquery, case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain.search_keys import (
    Blinder,
    InvalidQuery,
    Probe,
    Query,
    Rank,
    parse_query,
)
from services.intake.models import Person, PersonIndexEntry
from services.intake.queries import index
from services.intake.queries.access import scoped
from services.intake.queries.keys import KeyStore
from services.intake.queries.persons import filtered, summary_line
from services.intake.schemas.persons import PersonFilters, PersonPage
from shared.auth import Principal
from shared.web import Unprocessable

LABELS = {Rank.EXACT: "exact", Rank.PHONETIC: "phonetic", Rank.PREFIX: "prefix"}


async def search(
    session: AsyncSession, keys: KeyStore, principal: Principal, filters: PersonFilters
) -> PersonPage:
    """A page of the persons the caller may see who match `filters.q`, best match first."""
    assert filters.q is not None
    try:
        query = parse_query(filters.q)
    except InvalidQuery as exc:
        raise Unprocessable(str(exc)) from None
    ranked = _ranked(keys.blinder, principal, filters, query)
    # every word at its best, then the weakest word, then the newest registration
    page = (
        select(ranked.c.person_id, ranked.c.weakest, func.count().over())
        .order_by(
            ranked.c.score.desc(),
            ranked.c.weakest.desc(),
            ranked.c.newest.desc(),
            ranked.c.person_id,
        )
        .limit(filters.limit)
        .offset(filters.offset)
    )
    rows = (await session.execute(page)).all()
    total = rows[0][2] if rows else await _count(session, ranked, filters)
    ids = [person_id for person_id, _weakest, _total in rows]
    persons = await session.execute(select(Person).where(col(Person.id).in_(ids)))
    by_id = {person.id: person for person in persons.scalars()}
    data_keys = await keys.get_many(session, ids)
    items = []
    for person_id, weakest, _total in rows:
        line = summary_line(by_id[person_id], data_keys.get(person_id))
        line.match = "phone" if query.phone else LABELS[Rank(weakest)]
        items.append(line)
    return PersonPage(items=items, total=int(total), limit=filters.limit, offset=filters.offset)


def _ranked(
    blinder: Blinder, principal: Principal, filters: PersonFilters, query: Query
) -> Subquery:
    """Persons matching every word: their summed rank, weakest word, newest registration."""
    hits = union_all(
        *(_group(blinder, principal, filters, n, group) for n, group in enumerate(query.groups))
    ).subquery()
    best = (
        select(
            hits.c.person_id,
            func.max(hits.c.rank).label("best"),
            func.max(hits.c.registered_at).label("newest"),
        )
        .group_by(hits.c.person_id, hits.c.word)
        .subquery()
    )
    return (
        select(
            best.c.person_id,
            func.sum(best.c.best).label("score"),
            func.min(best.c.best).label("weakest"),
            func.max(best.c.newest).label("newest"),
        )
        .group_by(best.c.person_id)
        .having(func.count() == len(query.groups))
        .subquery()
    )


def _group(
    blinder: Blinder,
    principal: Principal,
    filters: PersonFilters,
    number: int,
    probes: tuple[Probe, ...],
) -> Select[Any]:
    """The index rows matching one word of the query, with the rank of each."""
    condition, by_digest = index.matching(blinder, [probe.term for probe in probes])
    rank_of = {probe.term: int(probe.rank) for probe in probes}
    rank = case(*((col(PersonIndexEntry.digest) == d, rank_of[t]) for d, t in by_digest.items()))
    # a record merged into another is found as the person it was merged into
    person = (
        col(Person.id).label("person_id")
        if filters.include_merged
        else func.coalesce(col(Person.merged_into), col(Person.id)).label("person_id")
    )
    rows = (
        select(
            person,
            literal(number).label("word"),
            rank.label("rank"),
            col(Person.registered_at).label("registered_at"),
        )
        .join(Person, col(Person.id) == col(PersonIndexEntry.person_id))
        .where(condition)
    )
    return filtered(scoped(rows, principal), filters)


async def _count(session: AsyncSession, ranked: Subquery, filters: PersonFilters) -> int:
    # a page past the end has no row to carry the total
    if filters.offset == 0:
        return 0
    return int((await session.execute(select(func.count()).select_from(ranked))).scalar_one())
