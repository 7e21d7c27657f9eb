"""Needs assessment at intake, and the partners that could meet each need."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import queries
from services.intake.keys import KeyStore, PersonErased
from services.intake.models import NeedsAssessment, Partner
from services.intake.schemas import (
    NeedIn,
    NeedsAssessmentCreate,
    NeedsAssessmentPublic,
    PartnerSuggestion,
)
from shared.auth import Principal
from shared.crypto import decrypt_field, encrypt_field
from shared.events.intake import NeedsAssessed
from shared.uow import UnitOfWork
from shared.web import Conflict


def _aad(assessment: NeedsAssessment) -> str:
    return f"{assessment.person_id}:needs:{assessment.id}"


async def assess(
    uow: UnitOfWork,
    keys: KeyStore,
    person_id: str,
    command: NeedsAssessmentCreate,
    principal: Principal,
    now: datetime,
) -> NeedsAssessment:
    """Record what the person needs; each assessment is kept, the latest one counts."""
    person = await queries.find_own_person(uow.session, person_id, principal)
    if person.erased_at is not None:
        raise Conflict("the person is erased")
    assessment = NeedsAssessment(
        id=str(uuid.uuid4()),
        person_id=person.id,
        needs=[need.model_dump(mode="json") for need in command.needs],
        nights_without_shelter=command.nights_without_shelter,
        assessed_by=principal.user_id,
        assessed_at=now,
    )
    if command.notes is not None:
        data_key = await keys.get(uow.session, person.id)
        assessment.notes_enc = encrypt_field(data_key, command.notes, aad=_aad(assessment))
    uow.session.add(assessment)
    uow.record(
        NeedsAssessed(
            person_id=person.id,
            assessment_id=assessment.id,
            needs={need.area.value: need.urgency.value for need in command.needs},
            nights_without_shelter=command.nights_without_shelter,
            notes=assessment.notes_enc,
            assessed_at=now,
        )
    )
    return assessment


async def assessments(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> list[NeedsAssessmentPublic]:
    """The person's assessments, newest first, each with partners that provide what it needs."""
    person = await queries.find_person(session, person_id, principal)
    query = select(NeedsAssessment).where(col(NeedsAssessment.person_id) == person.id)
    rows = (await session.execute(query.order_by(col(NeedsAssessment.assessed_at).desc()))).all()
    try:
        data_key: bytes | None = await keys.get(session, person.id)
    except PersonErased:
        data_key = None
    partners = list((await session.execute(select(Partner).order_by(col(Partner.id)))).scalars())
    return [public(row, data_key, partners) for (row,) in rows]


def public(
    assessment: NeedsAssessment, data_key: bytes | None, partners: list[Partner]
) -> NeedsAssessmentPublic:
    """An assessment as staff read it."""
    needs = [NeedIn.model_validate(need) for need in assessment.needs]
    notes = None
    if assessment.notes_enc:
        notes = (
            decrypt_field(data_key, assessment.notes_enc, aad=_aad(assessment))
            if data_key
            else queries.ERASED
        )
    return NeedsAssessmentPublic(
        id=assessment.id,
        person_id=assessment.person_id,
        needs=needs,
        nights_without_shelter=assessment.nights_without_shelter,
        notes=notes,
        assessed_by=assessment.assessed_by,
        assessed_at=assessment.assessed_at,
        suggested_partners=[
            PartnerSuggestion(area=need.area, partner_id=partner.id, partner_name=partner.name)
            for need in needs
            for partner in partners
            if need.area.value in partner.services
        ],
    )


async def erase(session: AsyncSession, person_id: str) -> None:
    """Drop the notes of an erased person (already unreadable without the key)."""
    rows = await session.execute(
        select(NeedsAssessment).where(col(NeedsAssessment.person_id) == person_id)
    )
    for assessment in rows.scalars():
        assessment.notes_enc = None
