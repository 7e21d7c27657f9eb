"""Who may see and change a case: its owner, partners it was referred to while the person
consents, and coordinators. Every read and write of casework goes through here."""

from __future__ import annotations

from enum import Enum
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.models import Case, CaseShare, KnownConsent
from shared.auth import CROSS_ORGANISATION_ROLES, Principal
from shared.web import Forbidden, NotFound

SHARE_WITH_PARTNER = "share_with_partner"
_INVISIBLE = "No case with this id is visible to your organisation."


class OfCase(Protocol):
    """A row that belongs to a case (a task, an appointment, a deadline...)."""

    case_id: str


Row = TypeVar("Row", bound=OfCase)


class Need(Enum):
    """What the caller wants to do with a case."""

    READ = "read"
    WORK = "work"  # appointments and tasks: the owner and partners
    OWN = "own"  # status, assignment, sharing, confidential notes: the owner only


async def find_case(
    session: AsyncSession, case_id: str, principal: Principal, need: Need = Need.READ
) -> Case:
    """The case if the caller may do what it needs; 404 if it may not even see it."""
    case = await session.get(Case, case_id)
    if case is None:
        raise NotFound(_INVISIBLE)
    if principal.has_role(*CROSS_ORGANISATION_ROLES) or case.organisation_id == principal.org:
        return case
    shared_with = shared_with_partner(principal.org).where(col(Case.id) == case.id)
    if (await session.execute(shared_with.limit(1))).first() is None:
        raise NotFound(_INVISIBLE)
    if need is Need.OWN:
        raise Forbidden("Only the organisation that owns this case may do this.")
    return case


async def find_of_case(
    session: AsyncSession,
    kind: type[Row],
    row_id: str,
    principal: Principal,
    need: Need,
    *,
    missing: str,
    lock: bool = False,
) -> tuple[Case, Row]:
    """A row of a case and its case, if the caller may do what it needs with the case; 404
    saying `missing` if the row is absent or the case invisible to the caller."""
    row = await session.get(kind, row_id, with_for_update=lock)
    if row is None:
        raise NotFound(missing)
    try:
        case = await find_case(session, row.case_id, principal, need)
    except NotFound:
        raise NotFound(missing) from None
    return case, row


async def consents_to_share(session: AsyncSession, person_id: str, partner_id: str) -> bool:
    """Whether the person consents now to their file being shared with this partner."""
    query = _consent(partner_id).where(col(KnownConsent.person_id) == person_id)
    return (await session.execute(query.limit(1))).first() is not None


def _consent(partner_id: str) -> Select[Any]:
    return select(col(KnownConsent.consent_id)).where(
        col(KnownConsent.purpose) == SHARE_WITH_PARTNER,
        col(KnownConsent.partner_id) == partner_id,
        col(KnownConsent.withdrawn_at).is_(None),
    )


def shared_with_partner(organisation_id: str) -> Select[Any]:
    """Ids of cases referred to the organisation and accepted, while the person consents."""
    consent = _consent(organisation_id).where(col(KnownConsent.person_id) == col(Case.person_id))
    return select(col(Case.id)).where(
        col(Case.id).in_(
            select(col(CaseShare.case_id)).where(
                col(CaseShare.organisation_id) == organisation_id,
                col(CaseShare.kind) == "referral",
                col(CaseShare.status) == "accepted",
            )
        ),
        consent.exists(),
    )


def scoped(query: Select[Any], principal: Principal) -> Select[Any]:
    """Only the cases the caller's organisation may see; coordinators see them all."""
    if principal.has_role(*CROSS_ORGANISATION_ROLES):
        return query
    partner = col(Case.id).in_(shared_with_partner(principal.org))
    return query.where((col(Case.organisation_id) == principal.org) | partner)
