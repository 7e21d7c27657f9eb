"""The worker's deadline watch: after a change of rule data, open deadlines are recomputed;
then, periodically, deadlines crossing a horizon are announced (once each)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from services.casework.container import Casework
from services.casework.handlers import deadlines
from services.casework.handlers.deadlines import SYSTEM
from shared.aio import sleep_or_stop

log = structlog.get_logger(__name__)
PARIS = ZoneInfo("Europe/Paris")


async def recompute_after_rule_change(casework: Casework) -> int:
    """Recompute open deadlines whose rule version in force changed; how many changed."""
    async with casework.unit_of_work(SYSTEM) as uow:
        changed = await deadlines.apply_rule_data(uow, casework.rules, casework.clock())
        await uow.commit()
    return changed


async def announce_once(casework: Casework) -> int:
    """Announce the deadlines that crossed a horizon since the last look."""
    now = casework.clock()
    async with casework.unit_of_work(SYSTEM) as uow:
        sent = await deadlines.announce_approaching(
            uow, casework.horizons, now.astimezone(PARIS).date(), now
        )
        await uow.commit()
    return sent


def deadline_watch(
    casework: Casework, interval: float
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """The worker job: recompute once at start, then announce every `interval` seconds."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await recompute_after_rule_change(casework)
                break
            except Exception as exc:
                log.warning("deadlines.recompute_failed", error=type(exc).__name__)
                await sleep_or_stop(stop, interval)
        while not stop.is_set():
            try:
                await announce_once(casework)
            except Exception as exc:  # a conflict with another worker: the next look retries
                log.warning("deadlines.announce_failed", error=type(exc).__name__)
            await sleep_or_stop(stop, interval)

    return run
