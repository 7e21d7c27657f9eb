"""The subject access export (GDPR article 15): everything intake holds about one person."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.models import Consent, Referral, outbox_table
from services.intake.queries import households, merges, needs
from services.intake.queries.access import find_own_person
from services.intake.queries.keys import KeyStore
from services.intake.queries.persons import get_person, legal_holds
from services.intake.schemas.consents import ConsentPublic
from services.intake.schemas.erasure import LegalHoldPublic
from services.intake.schemas.export import ExportedEvent, SubjectAccessExport
from services.intake.schemas.households import HouseholdPublic
from services.intake.schemas.referrals import ReferralPublic
from shared.auth import Principal
from shared.web import Gone, NotFound


async def export(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal, today: date
) -> SubjectAccessExport:
    """Everything intake holds about a person (GDPR art. 15); refused once they are erased."""
    person = await find_own_person(session, person_id, principal, merged_ok=True)
    if person.erased_at is not None:
        raise Gone("This person was erased: intake holds nothing readable about them.")
    return SubjectAccessExport(
        person=await get_person(session, keys, person.id, principal),
        consents=await _consents(session, person.id),
        referrals=await _referrals(session, person.id),
        legal_holds=[
            LegalHoldPublic.model_validate(h, from_attributes=True)
            for h in await legal_holds(session, person.id)
        ],
        needs_assessments=await needs.assessments(session, keys, person.id, principal),
        household=await _household(session, keys, person.id, principal, today),
        merges=await merges.of_person(session, person.id, principal),
        events=await _events(session, person.id),
    )


async def _consents(session: AsyncSession, person_id: str) -> list[ConsentPublic]:
    rows = await session.execute(select(Consent).where(col(Consent.person_id) == person_id))
    return [ConsentPublic.model_validate(c, from_attributes=True) for c in rows.scalars()]


async def _referrals(session: AsyncSession, person_id: str) -> list[ReferralPublic]:
    rows = await session.execute(select(Referral).where(col(Referral.person_id) == person_id))
    return [ReferralPublic.model_validate(r, from_attributes=True) for r in rows.scalars()]


async def _events(session: AsyncSession, person_id: str) -> list[ExportedEvent]:
    table = outbox_table
    query = select(table.c.envelope).where(table.c.key == person_id).order_by(table.c.seq)
    rows = await session.execute(query)
    return [ExportedEvent.model_validate(json.loads(e)) for e in rows.scalars()]


async def _household(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal, today: date
) -> HouseholdPublic | None:
    try:
        household = await households.of_person(session, keys, person_id, principal, today)
    except NotFound:
        return None
    return _own_part(household, person_id)


def _own_part(household: HouseholdPublic, person_id: str) -> HouseholdPublic:
    """What of the household is the person's own (art. 15(4): others' data stays out): other
    registered members only by id and relation; the reference's flags and dependants only
    for the reference person."""
    is_reference = household.reference_person_id == person_id
    members = [
        m
        if m.person_id == person_id or (is_reference and m.person_id is None)
        else m.model_copy(
            update={"birth_date": None, "birth_year": None, "age": None, "flags": None}
        )
        for m in household.members
        if is_reference or m.person_id is not None
    ]
    return household.model_copy(
        update={
            "flags": household.flags if is_reference else None,
            "members": members,
            "children_ages": [],
        }
    )
