"""PostgreSQL LISTEN/NOTIFY: wakes the relay as soon as a transaction with events commits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from shared.aio import sleep_or_stop


async def listen_for_notifications(
    url: str,
    channel: str,
    on_notify: Callable[[], None],
    stop: asyncio.Event,
    *,
    listening: asyncio.Event | None = None,
) -> None:
    """Call `on_notify` on each PostgreSQL NOTIFY on `channel`, reconnecting until `stop`."""
    import asyncpg  # imported here: SQLite deployments never need it

    while not stop.is_set():
        try:
            connection = await asyncpg.connect(
                url.replace("postgresql+asyncpg://", "postgresql://")
            )
        except (OSError, asyncpg.PostgresError):
            await sleep_or_stop(stop, 1.0)
            continue
        try:
            await connection.add_listener(channel, lambda *_: on_notify())
            on_notify()  # catch up on whatever was committed while nobody listened
            if listening is not None:
                listening.set()
            await _wait_closed(connection, stop)
        finally:
            await _close(connection)


async def _wait_closed(connection: Any, stop: asyncio.Event) -> None:
    while not stop.is_set() and not connection.is_closed():
        await sleep_or_stop(stop, 1.0)


async def _close(connection: Any) -> None:
    try:
        await asyncio.wait_for(connection.close(), timeout=2)
    except (OSError, TimeoutError):
        connection.terminate()
