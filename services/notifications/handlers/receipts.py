"""Delivery receipts from the provider: delivered, or undelivered/failed (undeliverable)."""

from __future__ import annotations

from datetime import datetime

import structlog

from services.notifications.domain import messages as domain
from services.notifications.handlers.callbacks import first_time
from services.notifications.handlers.messages import stage
from services.notifications.queries.messages import by_key, by_provider_id
from services.notifications.schemas.webhooks import ReceiptCreate
from shared.uow import UnitOfWork

log = structlog.get_logger(__name__)


async def receive(uow: UnitOfWork, receipt: ReceiptCreate, now: datetime) -> bool:
    """Apply a receipt to its message; False when nothing is to be kept (a replay, a message
    we do not know, a receipt that waits for the send to be recorded)."""
    # a receipt comes once per status (sent, delivered...): the pair is what repeats
    if not await first_time(uow.session, "status", receipt.provider_id, receipt.status, now):
        return False
    message = await by_provider_id(uow.session, receipt.provider_id)
    if message is None and receipt.reference:  # the receipt may outrun the provider's answer
        message = await by_key(uow.session, receipt.reference)
    if message is None:
        log.info("webhook.unknown_message")
        return False
    events = domain.receipt(message, receipt.status, receipt.error_code, now)
    if events is None:
        return False
    stage(uow.record, events)
    return True
