"""Households: members and dependants around a reference person, with children's ages and,
where the person agrees, pregnancy or health flags (housing priority needs them)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import queries
from services.intake.keys import KeyStore, PersonErased
from services.intake.models import Household, HouseholdMember, Person
from services.intake.schemas import (
    ConsentPurpose,
    HealthFlags,
    HouseholdCreate,
    HouseholdMemberIn,
    HouseholdMemberPublic,
    HouseholdPublic,
    HouseholdUpdate,
    Relationship,
)
from shared.auth import Principal
from shared.crypto import decrypt_field, encrypt_field
from shared.events.intake import HouseholdComposed, HouseholdDissolved
from shared.uow import UnitOfWork
from shared.web import Conflict, NotFound, Unprocessable

CHILDREN = frozenset({Relationship.CHILD, Relationship.GRANDCHILD})
HEALTH = ConsentPurpose.HEALTH_INFORMATION.value


class Composition:
    """A household's members and flags. The whole is encrypted with the reference person's
    key; inside it, each registered member's own details (birth date or year, health flags)
    are sealed again with that member's key, so erasing a member erases them from every
    version of the household, including those already published."""

    def __init__(self, flags: HealthFlags | None, members: list[HouseholdMemberIn]) -> None:
        self.flags = flags
        self.members = members

    def registered(self) -> set[str]:
        """Ids of the members who are registered persons."""
        return {str(m.person_id) for m in self.members if m.person_id is not None}

    async def seal(self, keys: KeyStore, session: AsyncSession, household: Household) -> str:
        """The composition encrypted for the reference person (members' details for them)."""
        members = []
        for member in self.members:
            entry = member.model_dump(mode="json")
            if member.person_id is not None:
                own = {name: entry.pop(name) for name in MEMBER_DETAILS}
                member_key = await keys.get(session, str(member.person_id))
                aad = _member_aad(str(member.person_id), household)
                entry["sealed"] = encrypt_field(member_key, json.dumps(own), aad=aad)
            members.append(entry)
        document = {
            "flags": self.flags.model_dump(mode="json") if self.flags else None,
            "members": members,
        }
        reference_key = await keys.get(session, household.reference_person_id)
        return encrypt_field(reference_key, json.dumps(document), aad=_aad(household))

    @classmethod
    async def unseal(
        cls, keys: KeyStore, session: AsyncSession, household: Household
    ) -> Composition:
        """The composition in clear (inside intake's process only); an erased member's own
        details read as absent."""
        reference_key = await keys.get(session, household.reference_person_id)
        document: dict[str, Any] = json.loads(
            decrypt_field(reference_key, household.composition_enc, aad=_aad(household))
        )
        members = []
        for entry in document["members"]:
            sealed = entry.pop("sealed", None)
            if sealed is not None:
                try:
                    member_key = await keys.get(session, entry["person_id"])
                except PersonErased:
                    sealed = None  # their details went with their key
                else:
                    aad = _member_aad(entry["person_id"], household)
                    entry.update(json.loads(decrypt_field(member_key, sealed, aad=aad)))
            members.append(HouseholdMemberIn.model_validate(entry))
        flags = HealthFlags.model_validate(document["flags"]) if document["flags"] else None
        return cls(flags, members)


MEMBER_DETAILS = ("birth_date", "birth_year", "flags")


def _member_aad(person_id: str, household: Household) -> str:
    return f"{person_id}:household:{household.id}"


def _aad(household: Household) -> str:
    return f"{household.reference_person_id}:household:{household.id}"


async def form(
    uow: UnitOfWork,
    keys: KeyStore,
    command: HouseholdCreate,
    principal: Principal,
    now: datetime,
) -> Household:
    """Form a household around a reference person of the caller's organisation."""
    reference = await _live(uow.session, str(command.reference_person_id), principal)
    composition = Composition(command.flags, command.members)
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
    # locked until commit: two changes of one household never both pass the version check
    household = await uow.session.get(Household, household_id, with_for_update=True)
    if household is None:
        raise NotFound(_NO_HOUSEHOLD)
    await _live(uow.session, household.reference_person_id, principal)
    if household.version != command.version:
        raise Conflict(
            f"the household changed since version {command.version} "
            f"(now version {household.version}): reload it and apply your change again"
        )
    composition = Composition(command.flags, command.members)
    await _check(uow.session, household, composition, principal)
    members = composition.registered() | {household.reference_person_id}
    await uow.session.execute(
        delete(HouseholdMember).where(
            col(HouseholdMember.household_id) == household.id,
            col(HouseholdMember.person_id).not_in(members),
        )
    )
    current = await _member_ids(uow.session, household.id)
    for person_id in members - current:
        uow.session.add(HouseholdMember(person_id=person_id, household_id=household.id))
    household.version += 1
    household.updated_at, household.updated_by = now, principal.user_id
    await _compose(uow, keys, household, composition, now)
    return household


_NO_HOUSEHOLD = "No household with this id is visible to your organisation."


async def _live(session: AsyncSession, person_id: str, principal: Principal) -> Person:
    person = await queries.find_own_person(session, person_id, principal)
    if person.erased_at is not None:
        raise Conflict("the person is erased")
    return person


async def _check(
    session: AsyncSession, household: Household, composition: Composition, principal: Principal
) -> None:
    """Members must be persons the caller may change, in no other household; health flags
    need the consent of the person they describe (the reference person for dependants)."""
    if household.reference_person_id in composition.registered():
        raise Unprocessable("members: the reference person is not listed among the members")
    for person_id in composition.registered():
        await _live(session, person_id, principal)
    for person_id in composition.registered() | {household.reference_person_id}:
        membership = await session.get(HouseholdMember, person_id)
        if membership is not None and membership.household_id != household.id:
            raise Conflict(f"person {person_id} belongs to another household already")
    flagged = {
        str(member.person_id or household.reference_person_id)
        for member in composition.members
        if member.flags is not None and member.flags.any
    }
    if composition.flags is not None and composition.flags.any:
        flagged.add(household.reference_person_id)
    for person_id in sorted(flagged):
        if not await queries.has_consent(session, person_id, HEALTH):
            raise Conflict(
                f"recording pregnancy or health flags needs the consent of person {person_id} "
                f"to '{HEALTH}'"
            )


async def _compose(
    uow: UnitOfWork, keys: KeyStore, household: Household, composition: Composition, now: datetime
) -> None:
    household.composition_enc = await composition.seal(keys, uow.session, household)
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


async def _member_ids(session: AsyncSession, household_id: str) -> set[str]:
    query = select(col(HouseholdMember.person_id)).where(
        col(HouseholdMember.household_id) == household_id
    )
    return set((await session.execute(query)).scalars())


async def get(
    session: AsyncSession, keys: KeyStore, household_id: str, principal: Principal
) -> HouseholdPublic:
    """The household, for the organisation that registered its reference person (it holds
    other members' details: a partner the person was referred to does not read it)."""
    household = await session.get(Household, household_id)
    if household is None:
        raise NotFound(_NO_HOUSEHOLD)
    try:
        await queries.find_own_person(
            session, household.reference_person_id, principal, merged_ok=True
        )
    except NotFound as exc:
        raise NotFound(_NO_HOUSEHOLD) from exc
    return public(household, await Composition.unseal(keys, session, household))


async def of_person(
    session: AsyncSession, keys: KeyStore, person_id: str, principal: Principal
) -> HouseholdPublic:
    """The household the person belongs to."""
    person = await queries.find_own_person(session, person_id, principal, merged_ok=True)
    membership = await session.get(HouseholdMember, person.id)
    if membership is None:
        raise NotFound("This person belongs to no household.")
    return await get(session, keys, membership.household_id, principal)


def age_on(today: date, birth_date: date | None, birth_year: int | None) -> int | None:
    """Age in full years; from the year alone it is the age reached this year."""
    if birth_date is not None:
        before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
        return today.year - birth_date.year - int(before_birthday)
    if birth_year is not None:
        return today.year - birth_year
    return None


def public(
    household: Household, composition: Composition, today: date | None = None
) -> HouseholdPublic:
    """The household as staff see it, ages worked out `today`."""
    today = today or datetime.now(UTC).date()
    members = [
        HouseholdMemberPublic(
            person_id=str(m.person_id) if m.person_id else None,
            relationship=m.relationship,
            dependant=m.dependant,
            birth_date=m.birth_date,
            birth_year=m.birth_year,
            age=age_on(today, m.birth_date, m.birth_year),
            flags=m.flags,
        )
        for m in composition.members
    ]
    return HouseholdPublic(
        id=household.id,
        organisation_id=household.organisation_id,
        reference_person_id=household.reference_person_id,
        flags=composition.flags,
        members=members,
        children_ages=[m.age for m in members if m.relationship in CHILDREN],
        size=1 + len(members),
        version=household.version,
        updated_at=household.updated_at,
        updated_by=household.updated_by,
    )


async def forget_health(
    uow: UnitOfWork, keys: KeyStore, person_id: str, actor: str, now: datetime
) -> None:
    """The person withdrew consent to health information: clear the flags it allowed."""
    membership = await uow.session.get(HouseholdMember, person_id)
    household = await uow.session.get(Household, membership.household_id) if membership else None
    if household is None:
        return
    composition = await Composition.unseal(keys, uow.session, household)
    is_reference = person_id == household.reference_person_id
    members = [
        m.model_copy(update={"flags": None})
        if (str(m.person_id) == person_id) or (is_reference and m.person_id is None)
        else m
        for m in composition.members
    ]
    cleared = Composition(None if is_reference else composition.flags, members)
    if _flags(cleared) == _flags(composition):
        return
    household.version += 1
    household.updated_at, household.updated_by = now, actor
    await _compose(uow, keys, household, cleared, now)


def _flags(composition: Composition) -> list[Any]:
    return [composition.flags, *(m.flags for m in composition.members)]


async def forget_person(
    uow: UnitOfWork, keys: KeyStore, person_id: str, actor: str, now: datetime
) -> None:
    """Before a person's erasure: a household they head is dissolved; elsewhere they leave it."""
    membership = await uow.session.get(HouseholdMember, person_id)
    household = await uow.session.get(Household, membership.household_id) if membership else None
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
    await uow.session.delete(membership)
    composition = await Composition.unseal(keys, uow.session, household)
    remaining = [m for m in composition.members if str(m.person_id) != person_id]
    household.version += 1
    household.updated_at, household.updated_by = now, actor
    await _compose(uow, keys, household, Composition(composition.flags, remaining), now)
