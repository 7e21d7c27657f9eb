"""The worker's offer watch: offers not taken up by their hour, and holds past their time,
expire; their beds are free again and an event names each placement."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from services.housing.container import Housing
from services.housing.handlers import applications, offers, suggestions
from shared.aio import sleep_or_stop
from shared.outbox import Metadata

log = structlog.get_logger(__name__)


async def expire_once(housing: Housing) -> int:
    """Expire what is due at the service's time, suggesting the next household for each
    offer's freed beds; how many offers and holds expired."""
    now = housing.clock()
    tonight = offers.Terms.of(housing.settings).tonight(now)
    meta = Metadata(actor="service:housing", actororg=housing.operator)
    async with housing.unit_of_work(meta) as uow:
        expired = await offers.expire_due(uow, now)
        await suggestions.suggest_for_expired(uow, housing.priority, tonight, now)
        await uow.commit()
    return expired


def offer_watch(
    housing: Housing, interval: float
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """The worker job: expire what is due every `interval` seconds."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await expire_once(housing)
            except Exception as exc:  # a conflict with another worker: the next look retries
                log.warning("offers.expiry_failed", error=type(exc).__name__)
            await sleep_or_stop(stop, interval)

    return run


async def remind_once(housing: Housing) -> int:
    """Announce the renewal reminders due today in the centre, and lapse what was not
    renewed in time; how many reminders were announced."""
    now = housing.clock()
    today = now.astimezone(ZoneInfo(housing.settings.centre_timezone)).date()
    meta = Metadata(actor="service:housing", actororg=housing.operator)
    async with housing.unit_of_work(meta) as uow:
        announced = await applications.remind_and_lapse(uow, today, now)
        await uow.commit()
    return announced


def renewal_watch(
    housing: Housing, interval: float
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """The worker job: look for renewal reminders and lapses every `interval` seconds."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await remind_once(housing)
            except Exception as exc:  # another worker announced it first: the next look retries
                log.warning("renewals.scan_failed", error=type(exc).__name__)
            await sleep_or_stop(stop, interval)

    return run
