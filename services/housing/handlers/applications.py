"""Social housing applications: filed, renewed, the proposals received and answered, and the
worker's renewal reminders and lapses. The numéro unique, a dwelling and a refusal's reason
are sealed with the person's key; the number is found by a keyed hash. Handlers stage state
and events and never commit."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from services.housing.domain import applications as domain
from services.housing.models import HousingApplication, HousingProposal, RenewalReminder
from services.housing.queries.applications import find_proposal, find_visible
from services.housing.schemas.applications import (
    ApplicationCreate,
    OutcomeCreate,
    ProposalCreate,
    RenewalCreate,
)
from shared.auth import Principal
from shared.crypto import blind_index
from shared.errors import DomainError
from shared.events import housing as events
from shared.keystore import KeyStoreClient, seal
from shared.uow import UnitOfWork
from shared.web import Conflict

log = structlog.get_logger(__name__)
ALREADY = "This numéro unique is already recorded for an application."
SCAN_BATCH = 500


def number_digest(index_key: bytes, number: str) -> str:
    """The keyed hash that finds an application by its normalised number."""
    return blind_index(index_key, f"housing.number\x1f{number}")


async def file(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    index_key: bytes,
    body: ApplicationCreate,
    principal: Principal,
    now: datetime,
    today: date,
) -> HousingApplication:
    """Record a person's application for the caller's organisation (409 if its number is);
    `today` is the centre's date."""
    number = domain.parse_number(body.number)
    departement = domain.check_filing(number, body.departement, body.filed_on)
    if body.filed_on > today:
        raise DomainError("the filing date is in the future")
    digest = number_digest(index_key, number.value)
    taken = await uow.session.execute(
        select(col(HousingApplication.id)).where(col(HousingApplication.number_digest) == digest)
    )
    if taken.first() is not None:
        raise Conflict(ALREADY)
    application_id, person_id = str(uuid.uuid4()), str(body.person_id)
    aad = events.application_number_aad(application_id)
    row = HousingApplication(
        id=application_id,
        person_id=person_id,
        organisation_id=principal.org,
        number_enc=await seal(keys, person_id, number.value, aad),
        number_digest=digest,
        departement=departement,
        filed_on=body.filed_on,
        renewal_due=domain.first_due(body.filed_on, today),
        dalo_case_id=str(body.dalo_case_id) if body.dalo_case_id else None,
        filed_by=principal.user_id,
        filed_at=now,
    )
    uow.session.add(row)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # the same number filed at the same moment
        raise Conflict(ALREADY) from exc
    uow.record(
        events.ApplicationFiled(
            application_id=row.id,
            person_id=row.person_id,
            organisation_id=row.organisation_id,
            number=row.number_enc,
            departement=row.departement,
            filed_on=row.filed_on,
            renewal_due=row.renewal_due,
            dalo_case_id=row.dalo_case_id,
            filed_at=now,
        )
    )
    log.info("application.filed", application_id=row.id)
    return row


async def renew(
    uow: UnitOfWork,
    application_id: str,
    body: RenewalCreate,
    principal: Principal,
    operator: str,
    now: datetime,
    today: date,
) -> HousingApplication:
    """The application was renewed on a day: its next renewal is due a year later."""
    row = await find_visible(uow.session, application_id, principal, operator, lock=True)
    if body.renewed_on > today:
        raise DomainError("the renewal date is in the future")
    row.renewal_due = domain.check_renewal(
        row.status, row.renewal_due, body.renewed_on, row.filed_on
    )
    row.renewals += 1
    row.last_renewed_on = body.renewed_on
    uow.record(
        events.ApplicationRenewed(
            application_id=row.id,
            person_id=row.person_id,
            organisation_id=row.organisation_id,
            renewed_on=body.renewed_on,
            renewal_due=row.renewal_due,
            renewed_at=now,
        )
    )
    log.info("application.renewed", application_id=row.id)
    return row


async def receive_proposal(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    application_id: str,
    body: ProposalCreate,
    principal: Principal,
    operator: str,
    now: datetime,
) -> HousingProposal:
    """A dwelling proposed to an active application after a commission, its text sealed."""
    application = await find_visible(uow.session, application_id, principal, operator)
    if application.status != "active":
        raise Conflict(f"the application is {application.status}: it receives no proposal")
    proposal_id = str(uuid.uuid4())
    sealed = await seal(
        keys, application.person_id, body.dwelling, events.dwelling_aad(proposal_id)
    )
    proposal = HousingProposal(
        id=proposal_id,
        application_id=application.id,
        dwelling_enc=sealed,
        commission_on=body.commission_on,
        received_by=principal.user_id,
        received_at=now,
    )
    uow.session.add(proposal)
    uow.record(
        events.ProposalReceived(
            proposal_id=proposal.id,
            application_id=application.id,
            person_id=application.person_id,
            organisation_id=application.organisation_id,
            dwelling=sealed,
            commission_on=proposal.commission_on,
            received_at=now,
        )
    )
    log.info("proposal.received", proposal_id=proposal.id, application_id=application.id)
    return proposal


async def answer(
    uow: UnitOfWork,
    keys: KeyStoreClient,
    proposal_id: str,
    body: OutcomeCreate,
    principal: Principal,
    operator: str,
    now: datetime,
) -> tuple[HousingProposal, HousingApplication]:
    """The person accepted (the application is closed: housed) or refused with a reason."""
    proposal, application = await find_proposal(uow.session, proposal_id, principal, operator)
    if proposal.outcome != "pending":
        raise Conflict(f"the proposal was {proposal.outcome} already")
    if body.outcome == "refused" and not body.reason:
        raise DomainError("a refusal needs its reason")
    if body.reason:
        aad = events.proposal_reason_aad(proposal.id)
        proposal.reason_enc = await seal(keys, application.person_id, body.reason, aad)
    proposal.outcome, proposal.answered_by, proposal.answered_at = (
        body.outcome,
        principal.user_id,
        now,
    )
    if body.outcome == "accepted":
        application.status = "closed"
    uow.record(
        events.ProposalAnswered(
            proposal_id=proposal.id,
            application_id=application.id,
            person_id=application.person_id,
            organisation_id=application.organisation_id,
            outcome=body.outcome,
            reason=proposal.reason_enc,
            answered_at=now,
        )
    )
    log.info("proposal.answered", proposal_id=proposal.id, outcome=body.outcome)
    return proposal, application


async def remind_and_lapse(uow: UnitOfWork, today: date, now: datetime) -> int:
    """Announce each renewal reminder whose day has come (once per due date and kind), and
    mark lapsed the active applications whose renewal date passed; how many were announced."""
    horizon = domain.add_months(today, 1)
    rows = await uow.session.execute(
        select(HousingApplication)
        .where(
            col(HousingApplication.status) == "active",
            col(HousingApplication.renewal_due) <= horizon,
        )
        .order_by(col(HousingApplication.renewal_due))
        .limit(SCAN_BATCH)
    )
    announced = 0
    for row in rows.scalars():
        if row.renewal_due < today:
            row.status = "lapsed"
            log.info("application.lapsed", application_id=row.id)
            continue
        kind = domain.reminder_due(row.renewal_due, today)
        if kind is None:
            continue
        sent = await uow.session.get(RenewalReminder, (row.id, row.renewal_due, kind))
        if sent is not None:
            continue
        uow.session.add(
            RenewalReminder(application_id=row.id, due=row.renewal_due, kind=kind, announced_at=now)
        )
        uow.record(
            events.RenewalDue(
                application_id=row.id,
                person_id=row.person_id,
                organisation_id=row.organisation_id,
                due=row.renewal_due,
                kind=kind,
                announced_at=now,
            )
        )
        announced += 1
    return announced
