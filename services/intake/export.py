"""The subject access export (GDPR article 15): everything intake holds about one person."""

from __future__ import annotations

import json

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import households, merges, needs, queries
from services.intake.keys import KeyStore
from services.intake.models import Consent, Referral
from services.intake.schemas import (
    ConsentPublic,
    ExportedEvent,
    HouseholdPublic,
    LegalHoldPublic,
    ReferralPublic,
    SubjectAccessExport,
)
from shared.auth import Principal
from shared.web import Gone, NotFound


async def export(
    session: AsyncSession, keys: KeyStore, table: Table, person_id: str, principal: Principal
) -> SubjectAccessExport:
    """Everything intake holds about a person (GDPR art. 15); refused once they are erased."""
    person = await queries.find_own_person(session, person_id, principal, merged_ok=True)
    if person.erased_at is not None:
        raise Gone("This person was erased: intake holds nothing readable about them.")
    rows = await session.execute(
        select(table.c.envelope).where(table.c.key == person.id).order_by(table.c.seq)
    )
    consents = await session.execute(select(Consent).where(col(Consent.person_id) == person.id))
    referrals = await session.execute(select(Referral).where(col(Referral.person_id) == person.id))
    return SubjectAccessExport(
        person=await queries.get_person(session, keys, person.id, principal),
        consents=[
            ConsentPublic.model_validate(c, from_attributes=True) for c in consents.scalars()
        ],
        referrals=[
            ReferralPublic.model_validate(r, from_attributes=True) for r in referrals.scalars()
        ],
        legal_holds=[
            LegalHoldPublic.model_validate(h, from_attributes=True)
            for h in await queries.legal_holds(session, person.id)
        ],
        needs_assessments=await needs.assessments(session, keys, person.id, principal),
        household=await _household(session, keys, person.id, principal),
        merges=await merges.of_person(session, person.id, principal),
        events=[ExportedEvent.model_validate(json.loads(e)) for e in rows.scalars()],
    )


async def _household(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> HouseholdPublic | None:
    try:
        household = await households.of_person(session, keys, person_id, principal)
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
