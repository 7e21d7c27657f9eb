"""Intake's read side, always scoped to what the caller's organisation may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import profiles
from services.intake.keys import KeyStore, PersonErased
from services.intake.models import Consent, LegalHold, Person, PersonVersion, Referral
from services.intake.schemas import (
    ConsentPublic,
    PersonFilters,
    PersonPage,
    PersonPublic,
    PersonSummary,
    ReferralPublic,
)
from services.intake.schemas import (
    PersonVersion as PersonVersionPublic,
)
from shared.auth import CROSS_ORGANISATION_ROLES, Principal, may_see_organisation
from shared.web import Conflict, Forbidden, NotFound

ERASED = "[erased]"


async def get_person(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> PersonPublic:
    """The person if the caller's organisation may see them; otherwise as if absent."""
    person = await find_person(session, person_id, principal)
    try:
        data_key = await keys.get(session, person.id)
    except PersonErased:
        return profiles.public(person, ERASED, {})
    name = profiles.unseal_name(data_key, person.id, person.chosen_name_enc)
    return profiles.public(person, name, profiles.unseal(data_key, person.id, person.profile_enc))


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


async def legal_holds(session: AsyncSession, person_id: str) -> list[LegalHold]:
    """Every legal hold of a person, lifted or not, oldest first."""
    query = select(LegalHold).where(col(LegalHold.person_id) == person_id)
    return list((await session.execute(query.order_by(col(LegalHold.placed_at)))).scalars())


async def history(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> list[PersonVersionPublic]:
    """What the person's record was before each change, newest first."""
    person = await find_own_person(session, person_id, principal, merged_ok=True)
    try:
        data_key = await keys.get(session, person.id)
    except PersonErased:
        return []
    query = select(PersonVersion).where(col(PersonVersion.person_id) == person.id)
    versions = await session.execute(query.order_by(col(PersonVersion.version).desc()))
    return [
        PersonVersionPublic(
            version=v.version,
            chosen_name=profiles.unseal_name(data_key, person.id, v.chosen_name_enc),
            details={
                **profiles.unseal(data_key, person.id, v.profile_enc),
                "preferred_language": v.preferred_language,
                "sms_consent": v.sms_consent,
                "timezone": v.timezone,
            },
            replaced_at=v.replaced_at,
            replaced_by=v.replaced_by,
        )
        for v in versions.scalars()
    ]


async def consents_to_share(session: AsyncSession, person_id: str, partner_id: str) -> bool:
    """Whether the person consents, now, to their file being shared with this partner."""
    query = select(col(Consent.id)).where(
        col(Consent.person_id) == person_id,
        col(Consent.purpose) == "share_with_partner",
        col(Consent.partner_id) == partner_id,
        col(Consent.withdrawn_at).is_(None),
    )
    return (await session.execute(query.limit(1))).first() is not None


async def consents(
    session: AsyncSession, person_id: str, principal: Principal
) -> list[ConsentPublic]:
    """The person's consents, oldest first (a partner sees those that name it)."""
    person = await find_person(session, person_id, principal)
    query = select(Consent).where(col(Consent.person_id) == person.id)
    if not may_see_organisation(principal, person.organisation_id):
        query = query.where(col(Consent.partner_id) == principal.org)  # a partner: its own
    rows = await session.execute(query.order_by(col(Consent.given_at), col(Consent.id)))
    return [ConsentPublic.model_validate(c, from_attributes=True) for c in rows.scalars()]


async def referrals(
    session: AsyncSession, person_id: str, principal: Principal
) -> list[ReferralPublic]:
    """The person's referrals, oldest first; a partner reading a referred person sees only the
    referrals made to it."""
    person = await find_person(session, person_id, principal)
    query = select(Referral).where(col(Referral.person_id) == person.id)
    if not may_see_organisation(principal, person.organisation_id):
        query = query.where(col(Referral.partner_id) == principal.org)
    rows = await session.execute(query.order_by(col(Referral.requested_at), col(Referral.id)))
    return [ReferralPublic.model_validate(r, from_attributes=True) for r in rows.scalars()]


async def has_consent(session: AsyncSession, person_id: str, purpose: str) -> bool:
    """Whether the person consents, now, to a purpose that names no partner."""
    query = select(col(Consent.id)).where(
        col(Consent.person_id) == person_id,
        col(Consent.purpose) == purpose,
        col(Consent.withdrawn_at).is_(None),
    )
    return (await session.execute(query.limit(1))).first() is not None


async def list_persons(
    session: AsyncSession,
    keys: KeyStore,
    principal: Principal,
    filters: PersonFilters,
) -> PersonPage:
    """A page of the persons the caller's organisation may see, newest first."""
    query = filtered(scoped(select(Person), principal), filters)
    if not filters.include_merged:
        query = query.where(col(Person.merged_into).is_(None))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(col(Person.registered_at).desc(), col(Person.id))
    persons = list(
        (await session.execute(page.limit(filters.limit).offset(filters.offset))).scalars()
    )
    data_keys = await keys.get_many(session, [p.id for p in persons])
    return PersonPage(
        items=[summary_line(p, data_keys.get(p.id)) for p in persons],
        total=int(total),
        limit=filters.limit,
        offset=filters.offset,
    )


def filtered(query: Select[Any], filters: PersonFilters) -> Select[Any]:
    """The query narrowed by the list's filters on a person's plain columns."""
    if filters.preferred_language is not None:
        query = query.where(col(Person.preferred_language) == filters.preferred_language)
    if filters.registered_from is not None:
        query = query.where(col(Person.registered_at) >= filters.registered_from)
    if filters.registered_to is not None:
        query = query.where(col(Person.registered_at) < filters.registered_to)
    if filters.erased is not None:
        erased = col(Person.erased_at)
        query = query.where(erased.is_not(None) if filters.erased else erased.is_(None))
    return query


def summary_line(person: Person, data_key: bytes | None) -> PersonSummary:
    """A line of the persons list: the chosen name decrypted with the person's data key, or
    `[erased]` when the key is gone (None)."""
    name = ERASED
    if data_key is not None:
        name = profiles.unseal_name(data_key, person.id, person.chosen_name_enc)
    return PersonSummary(
        id=person.id,
        organisation_id=person.organisation_id,
        chosen_name=name,
        preferred_language=person.preferred_language,
        registered_at=person.registered_at,
        erased=person.erased_at is not None,
        merged_into=person.merged_into,
    )


def scoped(query: Select[Any], principal: Principal) -> Select[Any]:
    """The query narrowed to the persons the caller's organisation may see."""
    if principal.has_role(*CROSS_ORGANISATION_ROLES):
        return query
    referred = col(Person.id).in_(_referred_to(principal.org))
    return query.where((col(Person.organisation_id) == principal.org) | referred)
