"""A person erased at intake: housing forgets what it was told of them and what says who they
are, and keeps ids, dates and counts for the figures and the audit. What it sealed with their
key (reasons, the numéro unique, dwellings) can no longer be read once their key is gone."""

from __future__ import annotations

import structlog
from sqlalchemy import select
from sqlmodel import col

from services.housing.models import HousingApplication, IntakeFacts, PlacementRequest
from shared.consumer import MessageContext
from shared.events.intake import PersonErased
from shared.keystore import KeyStoreClient

log = structlog.get_logger(__name__)
ERASED_MEMBER = {"age": None, "sex": "unknown", "pregnant": False, "health": False}


async def on_person_erased(ctx: MessageContext, event: PersonErased, keys: KeyStoreClient) -> None:
    """Drop the person's key from the cache and intake's facts of them; their requests keep the
    household's size only; their applications close and lose the number's hash."""
    keys.forget(event.person_id)
    facts = await ctx.session.get(IntakeFacts, event.person_id)
    if facts is not None:
        await ctx.session.delete(facts)
    requests = select(PlacementRequest).where(col(PlacementRequest.person_id) == event.person_id)
    for placement in (await ctx.session.execute(requests)).scalars():
        # ages, sex, pregnancy and health say who the household is: the count of beds stays
        placement.members = [dict(ERASED_MEMBER) for _ in placement.members]
        placement.nights_without_shelter = 0
        placement.household_known, placement.missing = False, "person_erased"
    applications = select(HousingApplication).where(
        col(HousingApplication.person_id) == event.person_id
    )
    for application in (await ctx.session.execute(applications)).scalars():
        # the hash finds the number, and the number the person at the SIAO: it goes; no
        # reminder is announced to nobody, and a new file of the same number is not refused
        application.number_digest = f"erased:{application.id}"
        application.status = "closed"
    log.info("housing.person_erased")
