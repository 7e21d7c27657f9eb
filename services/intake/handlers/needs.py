"""Needs assessment at intake: what the person needs, notes encrypted with their key."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.models import NeedsAssessment
from services.intake.queries.access import find_live_person
from services.intake.queries.keys import KeyStore
from services.intake.queries.needs import notes_aad
from services.intake.schemas.needs import NeedsAssessmentCreate
from shared.auth import Principal
from shared.crypto import encrypt_field
from shared.events.intake import NeedsAssessed
from shared.uow import UnitOfWork


async def assess(
    uow: UnitOfWork,
    keys: KeyStore,
    person_id: str,
    command: NeedsAssessmentCreate,
    principal: Principal,
    now: datetime,
) -> NeedsAssessment:
    """Record what the person needs; each assessment is kept, the latest one counts."""
    person = await find_live_person(uow.session, person_id, principal)
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
        assessment.notes_enc = encrypt_field(data_key, command.notes, aad=notes_aad(assessment))
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


async def erase(session: AsyncSession, person_id: str) -> None:
    """Drop the notes of an erased person (already unreadable without the key)."""
    rows = await session.execute(
        select(NeedsAssessment).where(col(NeedsAssessment.person_id) == person_id)
    )
    for assessment in rows.scalars():
        assessment.notes_enc = None
