"""A signature proves who sent a provider callback, not when: each one is handled once (an
inbound SMS by its id, a receipt by its message's id and the status it reports)."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.models import ProviderCallback

log = structlog.get_logger(__name__)


async def first_time(
    session: AsyncSession, kind: str, provider_id: str, status: str, now: datetime
) -> bool:
    """Record a callback as handled, in the caller's transaction; False for a replay."""
    if await session.get(ProviderCallback, (kind, provider_id, status)) is not None:
        log.info("webhook.replay_ignored", kind=kind)
        return False
    session.add(
        ProviderCallback(kind=kind, provider_id=provider_id, status=status, received_at=now)
    )
    try:
        await session.flush()
    except IntegrityError:  # the same callback, handled at this very moment
        log.info("webhook.replay_ignored", kind=kind)
        return False
    return True
