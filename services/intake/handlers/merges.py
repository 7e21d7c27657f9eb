"""Explicit merges of duplicate records, and splits that undo them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain import Refused
from services.intake.domain import merges as rules
from services.intake.models import HouseholdMember, Merge, Person
from services.intake.queries.access import find_own_person
from services.intake.schemas.merges import MergeCreate, SplitCreate
from shared.auth import Principal
from shared.uow import UnitOfWork
from shared.web import NotFound


async def merge(
    uow: UnitOfWork, survivor_id: str, command: MergeCreate, principal: Principal, now: datetime
) -> Merge:
    """Merge the duplicate into the survivor; both must be records the caller may change."""
    survivor = await find_own_person(uow.session, survivor_id, principal, merged_ok=True)
    duplicate = await find_own_person(
        uow.session, str(command.duplicate_id), principal, merged_ok=True
    )
    await _lock(uow.session, survivor.id, duplicate.id)
    households = {
        m.household_id
        for person_id in (survivor.id, duplicate.id)
        if (m := await uow.session.get(HouseholdMember, person_id)) is not None
    }
    if len(households) > 1:
        raise Refused("the two records belong to different households: recompose first")
    merge_id = str(uuid.uuid4())
    sides = [await _side(uow.session, person) for person in (survivor, duplicate)]
    uow.record(*rules.merge(sides[0], sides[1], merge_id, now))
    duplicate.merged_into = survivor.id
    record = Merge(
        id=merge_id,
        survivor_id=survivor.id,
        merged_id=duplicate.id,
        reason=command.reason,
        merged_by=principal.user_id,
        merged_at=now,
    )
    uow.session.add(record)
    return record


async def split(
    uow: UnitOfWork, merge_id: str, command: SplitCreate, principal: Principal, now: datetime
) -> Merge:
    """Undo a merge: the merged record is a person of its own again, exactly as it was."""
    record = await uow.session.get(Merge, merge_id)
    if record is None:
        raise NotFound(_NO_MERGE)
    try:
        survivor = await find_own_person(uow.session, record.survivor_id, principal, merged_ok=True)
    except NotFound as exc:
        raise NotFound(_NO_MERGE) from exc
    await _lock(uow.session, survivor.id, record.merged_id)
    await uow.session.refresh(record)
    merged = await uow.session.get(Person, record.merged_id)
    assert merged is not None, "a merge always names two persons"
    uow.record(
        *rules.split(
            record.id,
            survivor.id,
            merged.id,
            already_split=record.split_at is not None,
            erased=survivor.erased_at is not None,
            now=now,
        )
    )
    merged.merged_into = None
    record.split_at, record.split_by, record.split_reason = now, principal.user_id, command.reason
    return record


_NO_MERGE = "No merge with this id is visible to your organisation."


async def _lock(session: AsyncSession, *person_ids: str) -> None:
    """Lock the records in a fixed order: two merges of the same records run one after the
    other, and each sees what the other did."""
    for person_id in sorted(set(person_ids)):
        await session.get(Person, person_id, with_for_update=True, populate_existing=True)


async def _side(session: AsyncSession, person: Person) -> rules.MergeSide:
    absorbed = select(func.count()).where(col(Person.merged_into) == person.id)
    return rules.MergeSide(
        person_id=person.id,
        erased=person.erased_at is not None,
        merged_into=person.merged_into,
        absorbed=int((await session.execute(absorbed)).scalar_one()),
    )


async def erase_reasons(session: AsyncSession, person_id: str, erased: str) -> None:
    """The reasons staff wrote about the person's merges are free text: they go on erasure."""
    query = select(Merge).where(
        or_(col(Merge.survivor_id) == person_id, col(Merge.merged_id) == person_id)
    )
    for record in (await session.execute(query)).scalars():
        record.reason = erased
        record.split_reason = record.split_reason and erased
