"""A person's consents and referrals as they were at an instant, and who read their data,
folded from the events without I/O.

Consents and referrals carry the names of intake's answers (`ConsentPublic`,
`ReferralPublic`); a referral's partner case comes from the partner's acceptance (casework's
case, housing's placement). Reasons (a decline's, an override's) stay in intake."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.audit.domain.asof import Recorded, contracts_of, decode, in_order, until
from shared.events import access, casework, housing, intake
from shared.events.base import Event

CONTRACTS = contracts_of(
    intake.CONTRACTS,
    (casework.ReferralAccepted, housing.ReferralAccepted),
    access.CONTRACTS,
)


@dataclass(frozen=True)
class Consent:
    """A consent, with who recorded it and when, and its withdrawal."""

    id: str
    person_id: str
    purpose: str
    partner_id: str | None
    given_by: str | None
    given_at: datetime
    withdrawn_by: str | None = None
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class Referral:
    """A referral and where it stood; `overridden` when a coordinator went ahead without the
    matching consent."""

    id: str
    person_id: str
    partner_id: str
    service: str
    status: str
    requested_by: str | None
    requested_at: datetime
    updated_at: datetime | None = None
    partner_case_id: str | None = None
    overridden: bool = False


@dataclass
class Person:
    """A person's consents and referrals, and whether they were erased, as it stood."""

    person_id: str
    consents: dict[str, Consent] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    erased_at: datetime | None = None
    known: bool = False
    """Whether any event of the person was recorded by then."""


def person_as_of(person_id: str, events: Iterable[Recorded], as_of: datetime | None) -> Person:
    """The person's consents and referrals at `as_of` (now, without it)."""
    person = Person(person_id)
    for event in until(events, as_of):
        contract = decode(event, CONTRACTS)
        if contract is None or getattr(contract, "person_id", None) != person_id:
            continue
        person.known = True
        _apply(person, contract, event)
    return person


def _apply(person: Person, event: Event, recorded: Recorded) -> None:
    if isinstance(event, intake.ConsentGiven):
        person.consents[event.consent_id] = Consent(
            id=event.consent_id,
            person_id=event.person_id,
            purpose=event.purpose,
            partner_id=event.partner_id,
            given_by=recorded.actor,
            given_at=event.given_at,
        )
    elif isinstance(event, intake.ConsentWithdrawn):
        consent = person.consents.get(event.consent_id)
        if consent is not None:
            person.consents[consent.id] = replace(
                consent, withdrawn_by=recorded.actor, withdrawn_at=event.withdrawn_at
            )
    elif isinstance(event, intake.PersonErased):
        person.erased_at = event.erased_at
    else:
        _referral(person, event, recorded)


def _referral(person: Person, event: Event, recorded: Recorded) -> None:
    if isinstance(event, intake.ReferralRequested):
        person.referrals[event.referral_id] = Referral(
            id=event.referral_id,
            person_id=event.person_id,
            partner_id=event.partner_id,
            service=event.service,
            status="requested",
            requested_by=recorded.actor,
            requested_at=event.requested_at,
        )
        return
    referral = person.referrals.get(str(getattr(event, "referral_id", "")))
    if referral is None:
        return
    if isinstance(event, intake.ReferralStatusChanged):
        referral = replace(referral, status=event.status, updated_at=event.changed_at)
    elif isinstance(event, intake.ConsentOverridden):
        referral = replace(referral, overridden=True)
    elif isinstance(event, casework.ReferralAccepted):
        referral = _answered(referral, event.case_id)
    elif isinstance(event, housing.ReferralAccepted):
        referral = _answered(referral, event.placement_id)
    person.referrals[referral.id] = referral


KEY_RELEASE = "key_release"


def _answered(referral: Referral, partner_case_id: str) -> Referral:
    # as intake keeps it: an answer after a decline or a revocation names no case
    if referral.status not in ("requested", "accepted"):
        return referral
    return replace(referral, partner_case_id=partner_case_id)


@dataclass(frozen=True)
class Access:
    """One read of the person's data: who, of which organisation, read what, when, through
    which route, and the event of which service's chain says so."""

    actor: str | None
    actororg: str | None
    resource: str
    resource_id: str
    at: datetime
    route: str | None
    source: str
    seq: int


def accesses(person_id: str, events: Iterable[Recorded]) -> list[Access]:
    """Who read the person's data, oldest first: the services' access events naming the person
    (one event holds a batch of reads of many persons), and intake's releases of their key.

    A key release is told by intake's `person_key_released` event, written in the release's
    own transaction; intake's access event repeats it, and that repetition is left out."""
    found: list[Access] = []
    for event in in_order(events):
        contract = decode(event, CONTRACTS)
        if isinstance(contract, access.PersonalDataRead):
            found.extend(_reads(person_id, contract, event))
        elif isinstance(contract, intake.PersonKeyReleased) and contract.person_id == person_id:
            found.append(
                Access(
                    actor=event.actor or f"service:{contract.service}",
                    actororg=event.actororg,
                    resource=KEY_RELEASE,
                    resource_id=person_id,
                    at=contract.released_at,
                    route=None,
                    source=event.source,
                    seq=event.seq,
                )
            )
    return sorted(found, key=lambda a: (a.at, a.source, a.seq))


def _reads(person_id: str, event: access.PersonalDataRead, recorded: Recorded) -> list[Access]:
    return [
        Access(
            actor=read.actor,
            actororg=read.actororg,
            resource=read.resource,
            resource_id=read.resource_id,
            at=read.at,
            route=read.route,
            source=recorded.source,
            seq=recorded.seq,
        )
        for read in event.reads
        if read.resource != KEY_RELEASE and _names(read, person_id)
    ]


def _names(read: access.PersonalDataReadEntry, person_id: str) -> bool:
    return read.person_id == person_id or (
        read.resource == "person" and read.resource_id == person_id
    )
