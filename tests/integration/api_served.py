"""The services served over real HTTP from an event loop of their own, in a thread, so
that synchronous callers (schemathesis and its requests session) reach them as clients would."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

from tests.integration.api_seed import seed
from tests.integration.api_world import Databases, open_world
from tests.support.wait import eventually

T = TypeVar("T")
CALL_TIMEOUT = 120.0


@dataclass(frozen=True)
class Served:
    """Where each service answers, and the ids of the owner's seeded data."""

    urls: dict[str, str]
    ids: dict[str, str]


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """`app` behind uvicorn on a free local port of this loop; yields its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _started(server, task), bool, timeout=30)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _started(server: uvicorn.Server, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # a server that could not start says why
    return server.started


class LoopThread:
    """An event loop running in a daemon thread; `run` waits for a coroutine run there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="api-world", daemon=True)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the thread's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(CALL_TIMEOUT)

    @contextlib.contextmanager
    def running(self) -> Iterator[LoopThread]:
        """Start the thread; stop it and close the loop on exit."""
        self.thread.start()
        try:
            yield self
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(CALL_TIMEOUT)
            self.loop.close()


@contextlib.contextmanager
def served_world(dbs: Databases, kafka: str) -> Iterator[Served]:
    """The services, seeded, each behind its own HTTP server, until the block ends."""
    with LoopThread().running() as thread:
        stack = contextlib.AsyncExitStack()
        try:
            world = thread.run(stack.enter_async_context(open_world(dbs, kafka)))
            ids = thread.run(seed(world))
            urls = {
                name: thread.run(stack.enter_async_context(serve(app)))
                for name, app in world.apps.items()
            }
            yield Served(urls, ids)
        finally:
            thread.run(stack.aclose())
