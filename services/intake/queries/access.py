"""Who sees which person: the registering organisation, and a partner the person was
referred to while they consent to the sharing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.models import Consent, Person, Referral
from shared.auth import CROSS_ORGANISATION_ROLES, Principal, may_see_organisation
from shared.web import Conflict, Forbidden, NotFound


async def find_person(session: AsyncSession, person_id: str, principal: Principal) -> Person:
    """The person's row if the caller's organisation may see them, else NotFound.

    An organisation sees the persons it registered and, read-only, those referred to it
    while the person consents to the sharing (or a coordinator overrode it)."""
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound(_INVISIBLE)
    if may_see_organisation(principal, person.organisation_id):
        return person
    referred = _referred_to(principal.org).where(col(Referral.person_id) == person.id)
    if (await session.execute(referred.limit(1))).first() is None:
        raise NotFound(_INVISIBLE)
    return person


async def find_own_person(
    session: AsyncSession, person_id: str, principal: Principal, *, merged_ok: bool = False
) -> Person:
    """The person's row if the caller's organisation may change it: the registering one (or a
    coordinator). A partner the person was referred to reads, and is told it may not write.

    A record merged into another is changed through the surviving record (409), unless the
    caller says the change is one a merged record takes (`merged_ok`)."""
    person = await find_person(session, person_id, principal)
    if not may_see_organisation(principal, person.organisation_id):
        raise Forbidden("Only the organisation that registered this person may change their file.")
    if person.merged_into is not None and not merged_ok:
        raise Conflict(
            f"this record was merged into person {person.merged_into}: change the surviving "
            "record, or split the merge first"
        )
    return person


async def find_live_person(session: AsyncSession, person_id: str, principal: Principal) -> Person:
    """The person's row as `find_own_person` finds it, unless they are erased (409)."""
    person = await find_own_person(session, person_id, principal)
    if person.erased_at is not None:
        raise Conflict("the person is erased")
    return person


_INVISIBLE = "No person with this id is visible to your organisation."


LIVE_REFERRAL = ("requested", "accepted", "completed")
"""Referral statuses under which the partner may read the person's file."""


def _referred_to(organisation_id: str) -> Select[Any]:
    """Ids of persons referred to the organisation, while consent to share with it stands."""
    consent = select(col(Consent.id)).where(
        col(Consent.person_id) == col(Referral.person_id),
        col(Consent.purpose) == "share_with_partner",
        col(Consent.partner_id) == organisation_id,
        col(Consent.withdrawn_at).is_(None),
    )
    return select(col(Referral.person_id)).where(
        col(Referral.partner_id) == organisation_id,
        col(Referral.status).in_(LIVE_REFERRAL),
        col(Referral.override_reason).is_not(None) | consent.exists(),
    )


def scoped(query: Select[Any], principal: Principal) -> Select[Any]:
    """The query narrowed to the persons the caller's organisation may see."""
    if principal.has_role(*CROSS_ORGANISATION_ROLES):
        return query
    referred = col(Person.id).in_(_referred_to(principal.org))
    return query.where((col(Person.organisation_id) == principal.org) | referred)
