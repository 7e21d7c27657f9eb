"""Social housing applications as staff read them: the organisation that follows one and the
operator's staff see it; anyone else is told it does not exist (404). Sealed fields are read
back with the person's key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.housing.models import HousingApplication, HousingProposal
from services.housing.schemas.applications import ApplicationPublic, ProposalPublic
from shared.auth import Principal
from shared.crypto import CryptoError, decrypt_field
from shared.events.housing import application_number_aad, dwelling_aad, proposal_reason_aad
from shared.keystore import KeyStoreClient, KeyStoreUnavailable, PersonKeyGone
from shared.schemas import present
from shared.web import NotFound

NO_APPLICATION = "No social housing application with this id is visible to your organisation."
NO_PROPOSAL = "No proposal with this id is visible to your organisation."


def _visible(row: HousingApplication | None, principal: Principal, operator: str) -> bool:
    return row is not None and principal.org in (operator, row.organisation_id)


async def find_visible(
    session: AsyncSession,
    application_id: str,
    principal: Principal,
    operator: str,
    *,
    lock: bool = False,
) -> HousingApplication:
    """The application, for its organisation and the operator's staff; else 404."""
    row = await session.get(HousingApplication, application_id, with_for_update=lock)
    if row is None or not _visible(row, principal, operator):
        raise NotFound(NO_APPLICATION)
    return row


async def find_proposal(
    session: AsyncSession, proposal_id: str, principal: Principal, operator: str
) -> tuple[HousingProposal, HousingApplication]:
    """The proposal and its application, for whoever sees the application; else 404."""
    proposal = await session.get(HousingProposal, proposal_id, with_for_update=True)
    if proposal is None:
        raise NotFound(NO_PROPOSAL)
    application = await session.get(HousingApplication, proposal.application_id)
    if application is None or not _visible(application, principal, operator):
        raise NotFound(NO_PROPOSAL)
    return proposal, application


async def person_key(keys: KeyStoreClient, person_id: str) -> bytes | None:
    """The person's key to read what is sealed, or None (erased, key store away)."""
    try:
        return await keys.key(person_id)
    except (PersonKeyGone, KeyStoreUnavailable):
        return None


def _open(key: bytes | None, token: str | None, aad: str) -> str | None:
    if key is None or token is None:
        return None
    try:
        return decrypt_field(key, token, aad=aad)
    except CryptoError:
        return None


def proposal_public(key: bytes | None, proposal: HousingProposal) -> ProposalPublic:
    """A proposal with its dwelling and reason read with the person's key (None if not)."""
    return present(
        ProposalPublic,
        proposal,
        dwelling=_open(key, proposal.dwelling_enc, dwelling_aad(proposal.id)),
        reason=_open(key, proposal.reason_enc, proposal_reason_aad(proposal.id)),
    )


async def public(
    session: AsyncSession, keys: KeyStoreClient, application: HousingApplication
) -> ApplicationPublic:
    """The application with its number and proposals read back, oldest proposal first."""
    key = await person_key(keys, application.person_id)
    rows = await session.execute(
        select(HousingProposal)
        .where(col(HousingProposal.application_id) == application.id)
        .order_by(col(HousingProposal.received_at), col(HousingProposal.id))
    )
    return present(
        ApplicationPublic,
        application,
        number=_open(key, application.number_enc, application_number_aad(application.id)),
        proposals=[proposal_public(key, p) for p in rows.scalars()],
    )


async def of_person(
    session: AsyncSession,
    keys: KeyStoreClient,
    person_id: str,
    principal: Principal,
    operator: str,
) -> list[ApplicationPublic]:
    """The person's applications the caller may see (all for the operator's staff), newest
    filing first; the route answers 404 when another organisation sees none of them."""
    query = select(HousingApplication).where(col(HousingApplication.person_id) == person_id)
    if principal.org != operator:
        query = query.where(col(HousingApplication.organisation_id) == principal.org)
    rows = await session.execute(query.order_by(col(HousingApplication.filed_on).desc()))
    return [await public(session, keys, row) for row in rows.scalars()]


async def listed(
    session: AsyncSession,
    keys: KeyStoreClient,
    principal: Principal,
    operator: str,
    status: str | None,
) -> list[ApplicationPublic]:
    """The applications the caller's organisation follows (every one for the operator's
    staff), the nearest renewal first; at most 500."""
    query = select(HousingApplication)
    if principal.org != operator:
        query = query.where(col(HousingApplication.organisation_id) == principal.org)
    if status is not None:
        query = query.where(col(HousingApplication.status) == status)
    query = query.order_by(col(HousingApplication.renewal_due), col(HousingApplication.id))
    rows = await session.execute(query.limit(500))
    return [await public(session, keys, row) for row in rows.scalars()]
