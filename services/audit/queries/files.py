"""A case, a housing placement and a person's consents as they were at an instant, from the
events audit stored up to it (404 when the file did not exist yet)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.audit.domain.case_parts import Appointment
from services.audit.domain.cases import case_as_of
from services.audit.domain.persons import person_as_of
from services.audit.domain.placements import placement_as_of
from services.audit.domain.timeline import ERASED, Decrypt
from services.audit.queries.history import about_case, about_person, about_placement
from services.audit.queries.sealed import opener, person_keys
from services.audit.schemas.cases import (
    AppointmentAsOf,
    CaseAsOf,
    DeadlineAsOf,
    RevisionAsOf,
    ShareAsOf,
)
from services.audit.schemas.persons import ConsentAsOf, ConsentsAsOf, ReferralAsOf
from services.audit.schemas.placements import OfferAsOf, OverrideAsOf, PlacementAsOf, StayAsOf
from shared.events.casework import place_aad
from shared.keystore import KeyStoreClient
from shared.schemas import present
from shared.web import NotFound


async def case_file(
    session: AsyncSession, keys: KeyStoreClient, case_id: str, as_of: datetime
) -> CaseAsOf:
    """The case as it stood at `as_of`: status, owner, caseworker, partners, deadlines,
    appointments (their places while the person's key exists)."""
    # the whole history is read: a case's first status is told by its first move out of it
    case = case_as_of(case_id, await about_case(session, case_id, None), as_of)
    if case is None:
        raise NotFound("No case with this id existed at that instant.")
    decrypt = opener(await person_keys(keys, [case.person_id])) if case.appointments else None
    deadlines = sorted(
        case.deadlines.values(), key=lambda d: (d.status != "open", d.due is None, d.due, d.id)
    )
    return present(
        CaseAsOf,
        case,
        as_of=as_of,
        partners=case.partners,
        shares=[present(ShareAsOf, s) for s in case.shares.values()],
        deadlines=[
            present(
                DeadlineAsOf,
                d,
                due=d.due,
                differs=d.differs,
                revisions=[present(RevisionAsOf, r) for r in d.revisions],
            )
            for d in deadlines
        ],
        appointments=[
            _appointment(a, decrypt)
            for a in sorted(case.appointments.values(), key=lambda a: (a.starts_at, a.id))
        ],
    )


def _appointment(appointment: Appointment, decrypt: Decrypt | None) -> AppointmentAsOf:
    aad = place_aad(appointment.case_id, appointment.id)
    place = decrypt(appointment.person_id, appointment.place, aad) if decrypt else None
    local = appointment.starts_at.astimezone(ZoneInfo(appointment.timezone))
    return present(AppointmentAsOf, appointment, local_start=local, place=place or ERASED)


async def placement_file(
    session: AsyncSession, placement_id: str, as_of: datetime
) -> PlacementAsOf:
    """The placement as it stood at `as_of`: its status, offers and stays, beds and nights."""
    placement = placement_as_of(
        placement_id, await about_placement(session, placement_id, as_of), as_of
    )
    if placement is None:
        raise NotFound("No placement request with this id existed at that instant.")
    return present(
        PlacementAsOf,
        placement,
        as_of=as_of,
        status=placement.status,
        overrides=[present(OverrideAsOf, o) for o in placement.overrides],
        offers=[present(OfferAsOf, o, bed_ids=list(o.bed_ids)) for o in placement.offers.values()],
        stays=[
            present(StayAsOf, s, bed_ids=list(s.bed_ids), nights=s.nights)
            for s in placement.stays.values()
        ],
    )


async def consents_file(session: AsyncSession, person_id: str, as_of: datetime) -> ConsentsAsOf:
    """The person's consents and referrals as they stood at `as_of`."""
    person = person_as_of(person_id, await about_person(session, person_id, as_of), as_of)
    if not person.known:
        raise NotFound("No person with this id was known at that instant.")
    return ConsentsAsOf(
        as_of=as_of,
        person_id=person_id,
        erased_at=person.erased_at,
        consents=[present(ConsentAsOf, c) for c in person.consents.values()],
        referrals=[present(ReferralAsOf, r) for r in person.referrals.values()],
    )
