"""What casework learns from intake: persons, consents, erasures (referrals: handlers/referrals.py).
Handlers change state in the consumer's transaction and never commit."""

from __future__ import annotations

import structlog
from sqlalchemy import delete, select, update
from sqlmodel import col

from services.casework.handlers.referrals import forget_reasons, withdraw_pending
from services.casework.handlers.sharing import revoked
from services.casework.models import (
    Appointment,
    Case,
    CaseShare,
    KnownConsent,
    KnownPerson,
    Note,
    Task,
)
from shared.consumer import MessageContext
from shared.db import add_once
from shared.events.intake import (
    ConsentGiven,
    ConsentWithdrawn,
    PersonErased,
    PersonRegistered,
)
from shared.keystore import KeyStoreClient

log = structlog.get_logger(__name__)


async def on_person_registered(ctx: MessageContext, event: PersonRegistered) -> None:
    """Remember which organisation registered the person: it may open their cases."""
    await add_once(
        ctx.session, KnownPerson(person_id=event.person_id, organisation_id=event.organisation_id)
    )


async def on_consent_given(ctx: MessageContext, event: ConsentGiven) -> None:
    """Remember the consent: sharing a case with a partner needs one that stands."""
    consent = KnownConsent(
        consent_id=event.consent_id,
        person_id=event.person_id,
        purpose=event.purpose,
        partner_id=event.partner_id,
    )
    await add_once(ctx.session, consent)


async def on_consent_withdrawn(ctx: MessageContext, event: ConsentWithdrawn) -> None:
    """The consent ends: the partner it named loses the person's cases at once."""
    consent = await ctx.session.get(KnownConsent, event.consent_id)
    if consent is None or consent.withdrawn_at is not None:
        return
    consent.withdrawn_at = event.withdrawn_at
    if consent.partner_id is not None:
        await _revoke_shares(ctx, event.person_id, consent.partner_id, "consent_withdrawn")
        await withdraw_pending(ctx.session, event.person_id, consent.partner_id, event.withdrawn_at)


async def _revoke_shares(
    ctx: MessageContext, person_id: str, organisation_id: str | None, cause: str
) -> None:
    cases = select(col(Case.id)).where(col(Case.person_id) == person_id)
    query = select(CaseShare).where(
        col(CaseShare.case_id).in_(cases),
        col(CaseShare.status).in_(("offered", "accepted")),
    )
    if organisation_id is not None:
        query = query.where(col(CaseShare.organisation_id) == organisation_id)
    for share in (await ctx.session.execute(query)).scalars():
        share.status, share.answered_at = "revoked", ctx.envelope.time
        ctx.record(revoked(share, cause, ctx.envelope.time))
        log.info("case.share_revoked", case_id=share.case_id, cause=cause)


async def on_person_erased(ctx: MessageContext, event: PersonErased, keys: KeyStoreClient) -> None:
    """Delete the person's free text (notes, task titles, places) and ends
    every sharing of their cases; ids, dates and statuses stay for statistics and audit."""
    keys.forget(event.person_id)
    person = await ctx.session.get(KnownPerson, event.person_id)
    if person is not None:
        person.erased_at = event.erased_at
    cases = select(col(Case.id)).where(col(Case.person_id) == event.person_id)
    await ctx.session.execute(delete(Note).where(col(Note.case_id).in_(cases)))
    await ctx.session.execute(update(Task).where(col(Task.case_id).in_(cases)).values(title_enc=""))
    await ctx.session.execute(
        update(Appointment).where(col(Appointment.case_id).in_(cases)).values(place_enc="")
    )
    await _revoke_shares(ctx, event.person_id, None, "person_erased")
    await withdraw_pending(ctx.session, event.person_id, None, event.erased_at)
    await forget_reasons(ctx.session, event.person_id)
