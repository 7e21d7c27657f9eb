"""A person's needs assessments, each with the partners that provide what it needs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain.persons import ERASED
from services.intake.models import NeedsAssessment, Partner
from services.intake.queries.access import find_person
from services.intake.queries.keys import KeyErased, KeyStore
from services.intake.schemas.needs import NeedIn, NeedsAssessmentPublic, PartnerSuggestion
from shared.auth import Principal
from shared.crypto import decrypt_field
from shared.schemas import present


def notes_aad(assessment: NeedsAssessment) -> str:
    """What binds an assessment's notes to it and its person."""
    return f"{assessment.person_id}:needs:{assessment.id}"


async def assessments(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> list[NeedsAssessmentPublic]:
    """The person's assessments, newest first, each with partners that provide what it needs."""
    person = await find_person(session, person_id, principal)
    query = select(NeedsAssessment).where(col(NeedsAssessment.person_id) == person.id)
    rows = (await session.execute(query.order_by(col(NeedsAssessment.assessed_at).desc()))).all()
    try:
        data_key: bytes | None = await keys.get(session, person.id)
    except KeyErased:
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
            decrypt_field(data_key, assessment.notes_enc, aad=notes_aad(assessment))
            if data_key
            else ERASED
        )
    return present(
        NeedsAssessmentPublic,
        assessment,
        needs=needs,
        notes=notes,
        suggested_partners=[
            PartnerSuggestion(area=need.area, partner_id=partner.id, partner_name=partner.name)
            for need in needs
            for partner in partners
            if need.area.value in partner.services
        ],
    )
