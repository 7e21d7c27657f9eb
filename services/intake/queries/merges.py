"""The merges a person's record took part in, and the records merged into it."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.models import Merge, Person
from services.intake.queries.access import find_person
from services.intake.schemas.merges import MergePublic
from shared.auth import Principal


async def of_person(
    session: AsyncSession, person_id: str, principal: Principal
) -> list[MergePublic]:
    """The merges the person's record took part in, split or not, oldest first."""
    person = await find_person(session, person_id, principal)
    query = select(Merge).where(
        or_(col(Merge.survivor_id) == person.id, col(Merge.merged_id) == person.id)
    )
    rows = await session.execute(query.order_by(col(Merge.merged_at), col(Merge.id)))
    return [MergePublic.model_validate(m, from_attributes=True) for m in rows.scalars()]


async def absorbed(session: AsyncSession, person_id: str) -> list[Person]:
    """The records merged into this person now."""
    query = select(Person).where(col(Person.merged_into) == person_id)
    return list((await session.execute(query)).scalars())
