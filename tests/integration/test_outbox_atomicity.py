"""A state change and its events commit together or not at all (intake, real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.intake.bootstrap import Intake
from services.intake.handlers import persons as handlers
from services.intake.models import Person, PersonKey, outbox_table
from services.intake.schemas.persons import PersonCreate
from shared.auth import Principal
from shared.uow import UnitOfWork

pytestmark = pytest.mark.integration

CLERK = Principal(user_id="clerk", org="city-montreuil", roles=frozenset({"intake"}))


async def counts(intake: Intake) -> list[int]:
    """Rows in persons, person_keys and outbox."""
    found = []
    async with intake.runtime.sessions() as session:
        for table in (Person.__table__, PersonKey.__table__, outbox_table):
            query = select(func.count()).select_from(table)
            found.append(int((await session.execute(query)).scalar_one()))
    return found


async def stage(uow: UnitOfWork, intake: Intake, name: str, language: str) -> Person:
    """Stage a registration in the unit of work (not committed)."""
    command = PersonCreate(chosen_name=name, preferred_language=language)
    return await handlers.register_person(uow, intake.keys, command, CLERK, datetime.now(UTC))


async def register(intake: Intake, name: str) -> Person:
    async with intake.unit_of_work(CLERK) as uow:
        person = await stage(uow, intake, name, "fr")
        await uow.commit()
    return person


async def test_a_registration_writes_the_person_their_key_and_one_event(intake: Intake) -> None:
    await register(intake, "Amina")
    assert await counts(intake) == [1, 1, 1]


async def test_when_the_event_cannot_be_written_the_person_is_not_either(intake: Intake) -> None:
    await register(intake, "Amina")
    async with intake.unit_of_work(CLERK) as uow:
        await stage(uow, intake, "Badr", "ar")
        # the outbox refuses the event (a duplicate id): the whole transaction must go
        uow._staged[0] = uow._staged[0].model_copy(update={"id": await _first_event_id(intake)})
        with pytest.raises(IntegrityError):
            await uow.commit()
    assert await counts(intake) == [1, 1, 1]


async def test_when_the_state_change_fails_no_event_is_written(intake: Intake) -> None:
    first = await register(intake, "Amina")
    async with intake.unit_of_work(CLERK) as uow:
        person = await stage(uow, intake, "Badr", "ar")
        person.id = first.id  # the row clashes with an existing person at commit
        with pytest.raises(IntegrityError):
            await uow.commit()
    assert await counts(intake) == [1, 1, 1]


async def test_leaving_the_unit_of_work_without_commit_writes_nothing(intake: Intake) -> None:
    async with intake.unit_of_work(CLERK) as uow:
        await stage(uow, intake, "Chen", "zh")
    assert await counts(intake) == [0, 0, 0]


async def _first_event_id(intake: Intake) -> str:
    async with intake.runtime.sessions() as session:
        return str((await session.execute(select(outbox_table.c.event_id))).scalar_one())
