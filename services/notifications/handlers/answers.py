"""An SMS from a person: STOP (and synonyms) opts the number out at once, START opts it back
in; each is an event, and each gets a confirmation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from services.notifications.domain.secrets import Secrets
from services.notifications.handlers.callbacks import first_time
from services.notifications.handlers.messages import plan
from services.notifications.models import Contact, OptOut
from services.notifications.schemas.webhooks import InboundCreate
from shared.events.notifications import OptedIn, OptedOut
from shared.uow import UnitOfWork


async def answer(uow: UnitOfWork, inbound: InboundCreate, secrets: Secrets, now: datetime) -> bool:
    """Opt the number out or in, and queue the confirmation; False for a replay (a replayed
    START must not undo a later STOP)."""
    if not await first_time(uow.session, "inbound", inbound.sid, "received", now):
        return False
    action, keyword = inbound.asked
    index = secrets.phone_index(inbound.number)
    opt_out = await uow.session.get(OptOut, index)
    if action == "stop" and opt_out is None:
        uow.session.add(OptOut(phone_index=index, keyword=keyword, opted_out_at=now))
        uow.record(OptedOut(phone_index=index, keyword=keyword, opted_out_at=now))
    elif action == "start" and opt_out is not None:
        await uow.session.delete(opt_out)
        uow.record(OptedIn(phone_index=index, opted_in_at=now))
    key = f"inbound:{inbound.sid}"
    found = await uow.session.execute(select(Contact).where(col(Contact.phone_index) == index))
    contact = found.scalars().first()
    await plan(
        uow.session,
        uow.record,
        key=key,
        kind=f"opt_{'out' if action == 'stop' else 'in'}_confirmation",
        revision=0,
        due_at=now,
        now=now,
        to_enc=secrets.seal_number(inbound.number, key),
        language=contact.preferred_language if contact else None,
        organisation_id=contact.organisation_id if contact else None,
    )
    return True
