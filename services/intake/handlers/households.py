"""Households formed and recomposed by staff, and changed when a member's consent or
erasure requires it; each composition is sealed and published encrypted."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain.households import MEMBER_DETAILS, household_aad
from services.intake.handlers.persons import check_born
from services.intake.models import Household, HouseholdMember
from services.intake.queries.access import find_live_person
from services.intake.queries.consents import has_consent
from services.intake.queries.households import NO_HOUSEHOLD, unseal
from services.intake.queries.keys import KeyStore
from services.intake.schemas.consents import ConsentPurpose
from services.intake.schemas.households import (
    HouseholdComposition,
    HouseholdCreate,
    HouseholdMemberIn,
    HouseholdUpdate,
)
from shared.auth import Principal
from shared.crypto import encrypt_field
from shared.events.intake import HouseholdComposed, HouseholdDissolved
from shared.uow import UnitOfWork
from shared.web import Conflict, NotFound, Unprocessable

HEALTH = ConsentPurpose.HEALTH_INFORMATION.value


async def form(
    uow: UnitOfWork,
    keys: KeyStore,
    command: HouseholdCreate,
    principal: Principal,
    now: datetime,
) -> Household:
    """Form a household around a reference person of the caller's organisation."""
    _check_births(command.members, now)
    reference = await find_live_person(uow.session, str(command.reference_person_id), principal)
    composition = HouseholdComposition(command.flags, command.members)
    household = Household(
        id=str(uuid.uuid4()),
        organisation_id=reference.organisation_id,
        reference_person_id=reference.id,
        composition_enc="",
        updated_at=now,
        updated_by=principal.user_id,
    )
    await _check(uow.session, household, composition, principal)
    for person_id in {reference.id, *composition.registered()}:
        uow.session.add(HouseholdMember(person_id=person_id, household_id=household.id))
    uow.session.add(household)
    await _compose(uow, keys, household, composition, now)
    return household


async def recompose(
    uow: UnitOfWork,
    keys: KeyStore,
    household_id: str,
    command: HouseholdUpdate,
    principal: Principal,
    now: datetime,
) -> Household:
    """Replace the composition; refused (409) if someone changed it since `command.version`."""
    _check_births(command.members, now)
    # locked until commit: two changes of one household never both pass the version check
    household = await uow.session.get(Household, household_id, with_for_update=True)
    if household is None:
        raise NotFound(NO_HOUSEHOLD)
    await find_live_person(uow.session, household.reference_person_id, principal)
    if household.version != command.version:
        raise Conflict(
            f"the household changed since version {command.version} "
            f"(now version {household.version}): reload it and apply your change again"
        )
    composition = HouseholdComposition(command.flags, command.members)
    await _check(uow.session, household, composition, principal)
    await _set_members(uow.session, household, composition.registered())
    await _change(uow, keys, household, composition, principal.user_id, now)
    return household


def _check_births(members: list[HouseholdMemberIn], now: datetime) -> None:
    for number, member in enumerate(members):
        check_born(member.birth_date, member.birth_year, now, ["body", "members", number])


async def _set_members(session: AsyncSession, household: Household, registered: set[str]) -> None:
    """The household's memberships: the reference person and the registered members."""
    members = registered | {household.reference_person_id}
    await session.execute(
        delete(HouseholdMember).where(
            col(HouseholdMember.household_id) == household.id,
            col(HouseholdMember.person_id).not_in(members),
        )
    )
    query = select(col(HouseholdMember.person_id)).where(
        col(HouseholdMember.household_id) == household.id
    )
    current = set((await session.execute(query)).scalars())
    for person_id in members - current:
        session.add(HouseholdMember(person_id=person_id, household_id=household.id))


async def _check(
    session: AsyncSession,
    household: Household,
    composition: HouseholdComposition,
    principal: Principal,
) -> None:
    """Members must be persons the caller may change, in no other household; health flags
    need the consent of the person they describe (the reference person for dependants)."""
    if household.reference_person_id in composition.registered():
        raise Unprocessable("members: the reference person is not listed among the members")
    for person_id in composition.registered():
        await find_live_person(session, person_id, principal)
    for person_id in composition.registered() | {household.reference_person_id}:
        membership = await session.get(HouseholdMember, person_id)
        if membership is not None and membership.household_id != household.id:
            raise Conflict(f"person {person_id} belongs to another household already")
    for person_id in composition.flagged(household.reference_person_id):
        if not await has_consent(session, person_id, HEALTH):
            raise Conflict(
                f"recording pregnancy or health flags needs the consent of person {person_id} "
                f"to '{HEALTH}'"
            )


async def _compose(
    uow: UnitOfWork,
    keys: KeyStore,
    household: Household,
    composition: HouseholdComposition,
    now: datetime,
) -> None:
    household.composition_enc = await seal(keys, uow.session, household, composition)
    uow.record(
        HouseholdComposed(
            person_id=household.reference_person_id,
            household_id=household.id,
            organisation_id=household.organisation_id,
            version=household.version,
            composition=household.composition_enc,
            composed_at=now,
        )
    )


async def seal(
    keys: KeyStore, session: AsyncSession, household: Household, composition: HouseholdComposition
) -> str:
    """The composition encrypted for the reference person (members' details for them)."""
    members = []
    for member in composition.members:
        entry = member.model_dump(mode="json")
        if member.person_id is not None:
            own = {name: entry.pop(name) for name in MEMBER_DETAILS}
            member_key = await keys.get(session, str(member.person_id))
            aad = household_aad(str(member.person_id), household.id)
            entry["sealed"] = encrypt_field(member_key, json.dumps(own), aad=aad)
        members.append(entry)
    flags = composition.flags
    document = {"flags": flags.model_dump(mode="json") if flags else None, "members": members}
    reference_key = await keys.get(session, household.reference_person_id)
    aad = household_aad(household.reference_person_id, household.id)
    return encrypt_field(reference_key, json.dumps(document), aad=aad)


async def forget_health(
    uow: UnitOfWork, keys: KeyStore, person_id: str, actor: str, now: datetime
) -> None:
    """The person withdrew consent to health information: clear the flags it allowed."""
    household = await _household_of(uow.session, person_id)
    if household is None:
        return
    composition = await unseal(keys, uow.session, household)
    cleared = composition.without_health_of(person_id, household.reference_person_id)
    if cleared.health() != composition.health():
        await _change(uow, keys, household, cleared, actor, now)


async def forget_person(
    uow: UnitOfWork, keys: KeyStore, person_id: str, actor: str, now: datetime
) -> None:
    """Before a person's erasure: a household they head is dissolved; elsewhere they leave it."""
    household = await _household_of(uow.session, person_id)
    if household is None:
        return
    if household.reference_person_id == person_id:
        await uow.session.execute(
            delete(HouseholdMember).where(col(HouseholdMember.household_id) == household.id)
        )
        await uow.session.delete(household)
        uow.record(
            HouseholdDissolved(person_id=person_id, household_id=household.id, dissolved_at=now)
        )
        return
    membership = await uow.session.get(HouseholdMember, person_id)
    await uow.session.delete(membership)
    composition = await unseal(keys, uow.session, household)
    await _change(uow, keys, household, composition.without(person_id), actor, now)


async def _change(
    uow: UnitOfWork,
    keys: KeyStore,
    household: Household,
    composition: HouseholdComposition,
    actor: str,
    now: datetime,
) -> None:
    """A new version of the household, composed as given."""
    household.version += 1
    household.updated_at, household.updated_by = now, actor
    await _compose(uow, keys, household, composition, now)


async def _household_of(session: AsyncSession, person_id: str) -> Household | None:
    membership = await session.get(HouseholdMember, person_id)
    return await session.get(Household, membership.household_id) if membership else None
