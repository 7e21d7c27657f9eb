"""A signature proves who sent a provider callback, not when: each one is handled once (an
inbound SMS by its id, a receipt by its message's id and the status it reports)."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.models import ProviderCallback
from shared.db import add_once

log = structlog.get_logger(__name__)


async def first_time(
    session: AsyncSession, kind: str, provider_id: str, status: str, now: datetime
) -> bool:
    """Record a callback as handled, in the caller's transaction; False for a replay."""
    callback = ProviderCallback(kind=kind, provider_id=provider_id, status=status, received_at=now)
    if not await add_once(session, callback):
        log.info("webhook.replay_ignored", kind=kind)
        return False
    try:
        await session.flush()
    except IntegrityError:  # the same callback, handled at this very moment
        log.info("webhook.replay_ignored", kind=kind)
        return False
    return True
