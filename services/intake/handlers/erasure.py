"""Legal holds, and erasure: the person's key destroyed, with intake's copy of their data."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain import persons as rules
from services.intake.domain.persons import ERASED
from services.intake.handlers import households, index, merges, needs
from services.intake.models import LegalHold, Person, PersonVersion, Referral
from services.intake.queries.access import find_own_person
from services.intake.queries.keys import KeyStore
from services.intake.queries.merges import absorbed
from services.intake.queries.persons import legal_holds
from shared.auth import Principal
from shared.uow import UnitOfWork
from shared.web import NotFound


async def place_hold(
    uow: UnitOfWork, person_id: str, reason: str, principal: Principal, now: datetime
) -> LegalHold:
    """Block the person's erasure until the hold is lifted."""
    person = await find_own_person(uow.session, person_id, principal, merged_ok=True)
    hold_id = str(uuid.uuid4())
    uow.record(*rules.place_hold(person.id, hold_id, person.erased_at is not None, now))
    hold = LegalHold(
        id=hold_id, person_id=person.id, reason=reason, placed_by=principal.user_id, placed_at=now
    )
    uow.session.add(hold)
    return hold


async def lift_hold(
    uow: UnitOfWork, person_id: str, hold_id: str, principal: Principal, now: datetime
) -> LegalHold:
    """End a legal hold."""
    person = await find_own_person(uow.session, person_id, principal, merged_ok=True)
    hold = await uow.session.get(LegalHold, hold_id)
    if hold is None or hold.person_id != person.id:
        raise NotFound("No such legal hold on this person.")
    uow.record(*rules.lift_hold(person.id, hold.id, hold.lifted_at is not None, now))
    hold.lifted_at, hold.lifted_by = now, principal.user_id
    return hold


async def erase_person(
    uow: UnitOfWork, keys: KeyStore, person_id: str, principal: Principal, now: datetime
) -> Person:
    """Destroy the person's key and intake's copy of their data; the event log stays intact.

    The records merged into the person are the same human being: they are erased too, and a
    legal hold on any of them blocks the whole erasure."""
    person = await find_own_person(uow.session, person_id, principal)
    for record in [person, *await absorbed(uow.session, person.id)]:
        await _erase_one(uow, keys, record, principal, now)
    return person


async def _erase_one(
    uow: UnitOfWork, keys: KeyStore, person: Person, principal: Principal, now: datetime
) -> None:
    holds = await legal_holds(uow.session, person.id)
    active = sum(1 for hold in holds if hold.lifted_at is None)
    uow.record(*rules.erase(person.id, person.erased_at is not None, active, now))
    await households.forget_person(uow, keys, person.id, principal.user_id, now)
    await needs.erase(uow.session, person.id)
    await keys.destroy(uow.session, person.id)
    await index.forget(uow.session, person.id)
    person.chosen_name_enc, person.profile_enc, person.phone_index = "", None, None
    person.erased_at = now
    await _erase_free_text(uow.session, person.id, holds)
    await merges.erase_reasons(uow.session, person.id, ERASED)
    await uow.session.execute(
        delete(PersonVersion).where(col(PersonVersion.person_id) == person.id)
    )


async def _erase_free_text(session: AsyncSession, person_id: str, holds: list[LegalHold]) -> None:
    # reasons are free text written by staff: they may name the person, so they go too
    for hold in holds:
        hold.reason = ERASED
    referrals = await session.execute(select(Referral).where(col(Referral.person_id) == person_id))
    for referral in referrals.scalars():
        referral.override_reason = referral.override_reason and ERASED
        referral.status_reason = referral.status_reason and ERASED
