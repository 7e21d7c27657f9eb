"""Release of a person's data key to an authorised service, recorded in the chained log."""

from __future__ import annotations

from datetime import datetime

from services.intake.models import Person
from services.intake.queries.keys import KeyErased, KeyStore
from shared.events.intake import PersonKeyReleased
from shared.uow import UnitOfWork
from shared.web import Gone, NotFound


async def release_key(
    uow: UnitOfWork, keys: KeyStore, person_id: str, service: str, now: datetime
) -> bytes:
    """Give an authorised service the person's data key; the release is an event in the
    chained log, so who read which key, and when, can be audited and not quietly edited."""
    person = await uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("No person with this id.")
    try:
        data_key = await keys.get(uow.session, person.id)
    except KeyErased as exc:
        raise Gone("This person was erased: their key no longer exists.") from exc
    uow.record(PersonKeyReleased(person_id=person.id, service=service, released_at=now))
    return data_key
