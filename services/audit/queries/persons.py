"""A person's history for auditors: their timeline across services, with names readable while
their key exists, and who read their data (access events and key releases)."""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.audit.domain.persons import accesses
from services.audit.domain.timeline import persons_named, timeline
from services.audit.models import StoredEvent
from services.audit.queries.history import about, about_person, events_where
from services.audit.queries.sealed import opener, person_keys
from services.audit.schemas.persons import AccessLog, AccessPublic, Timeline, TimelineEntry
from shared.keystore import KeyStoreClient
from shared.schemas import present
from shared.web import NotFound

READ_TYPES = "%.personal_data_read.v1"
KEY_RELEASED = "intake.person_key_released.v1"


async def person_timeline(session: AsyncSession, keys: KeyStoreClient, person_id: str) -> Timeline:
    """Every service's events about the person, oldest first, names in clear while their key
    exists (`[erased]` after); the services' reads of their data are in their access log."""
    events = [
        e
        for e in await about_person(session, person_id, None)
        if not e.type.endswith(".personal_data_read.v1")
    ]
    if not events:
        raise NotFound("No event names this person.")
    found = await person_keys(keys, persons_named(events) | {person_id})
    entries = timeline(events, opener(found))
    return Timeline(
        person_id=person_id,
        erased=found.get(person_id) is None,
        entries=[present(TimelineEntry, e) for e in entries],
    )


async def access_log(session: AsyncSession, person_id: str) -> AccessLog:
    """Who read the person's data, oldest first: the services' access events naming them and
    intake's releases of their key."""
    reads = col(StoredEvent.type).like(READ_TYPES)
    released = (col(StoredEvent.type) == KEY_RELEASED) & (col(StoredEvent.subject) == person_id)
    events = await events_where(session, or_(released, reads & about("person", person_id)))
    return AccessLog(
        person_id=person_id,
        reads=[present(AccessPublic, a) for a in accesses(person_id, events)],
    )
