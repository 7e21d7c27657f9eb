"""Request bodies over the limit get a 413 before they are read (ASGI streaming and real HTTP)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from shared.auth import DEV_JWT_SECRET, AuthSettings
from shared.body_limit import BodyLimitMiddleware, install_body_limit
from shared.web import REQUEST_ID_HEADER, RequestContextMiddleware, install_problem_handlers
from tests.support.wait import eventually

LIMIT = 1024
CHUNK = 256


def small_app() -> FastAPI:
    """An app that reads whole bodies, limited to LIMIT bytes (64 under /hooks/)."""
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    install_body_limit(app, max_bytes=LIMIT, limits={"/hooks/": 64})

    @app.post("/echo")
    @app.post("/hooks/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    return app


class Body:
    """A request body of `chunks` chunks, counting how many the server pulled."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b"x" * CHUNK


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=small_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def assert_problem_413(response: httpx.Response, limit: int = LIMIT) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers[REQUEST_ID_HEADER], "the 413 is inside the request context"
    problem = response.json()
    assert (problem["status"], problem["title"]) == (413, "Content Too Large")
    assert str(limit) in problem["detail"]


async def test_a_declared_length_over_the_limit_is_refused_without_reading(
    client: httpx.AsyncClient,
) -> None:
    body = Body(chunks=80_000)  # 20 MB, were it read
    response = await client.post(
        "/echo", content=body, headers={"Content-Length": str(80_000 * CHUNK)}
    )
    assert_problem_413(response)
    assert body.pulled == 0


async def test_a_chunked_body_is_refused_once_it_passes_the_limit(
    client: httpx.AsyncClient,
) -> None:
    body = Body(chunks=80_000)
    response = await client.post("/echo", content=body)
    assert "content-length" not in response.request.headers
    assert_problem_413(response)
    assert body.pulled <= LIMIT // CHUNK + 1, "reading stopped just past the limit"


async def test_a_content_length_that_lies_does_not_get_past_the_limit(
    client: httpx.AsyncClient,
) -> None:
    body = Body(chunks=100)
    response = await client.post("/echo", content=body, headers={"Content-Length": "10"})
    assert_problem_413(response)
    assert body.pulled <= LIMIT // CHUNK + 1


async def test_bodies_within_the_limit_are_read_whole(client: httpx.AsyncClient) -> None:
    response = await client.post("/echo", content=b"x" * LIMIT)
    assert (response.status_code, response.json()) == (200, {"read": LIMIT})
    chunked = await client.post("/echo", content=Body(chunks=LIMIT // CHUNK))
    assert (chunked.status_code, chunked.json()) == (200, {"read": LIMIT})


async def test_a_path_prefix_has_its_own_limit(client: httpx.AsyncClient) -> None:
    assert_problem_413(await client.post("/hooks/echo", content=b"x" * 65), limit=64)
    assert (await client.post("/echo", content=b"x" * 65)).status_code == 200


def test_the_longest_prefix_wins() -> None:
    limits = {"/webhooks/": 10, "/webhooks/sms/": 20}
    middleware = BodyLimitMiddleware(small_app(), max_bytes=30, limits=limits)
    assert middleware.limit_for("/webhooks/sms/inbound") == 20
    assert middleware.limit_for("/webhooks/other") == 10
    assert middleware.limit_for("/persons") == 30


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[int]:
    """The app behind a real uvicorn server on a free port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, port=port, log_config=None, lifespan="off", timeout_graceful_shutdown=2)
    )
    task = asyncio.create_task(server.serve())
    try:

        async def started() -> bool:
            return server.started

        await eventually(started, bool, timeout=10, interval=0.02, what="uvicorn started")
        yield port
    finally:
        server.should_exit = True
        await task


async def status_line(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readline(), timeout=10)


async def test_over_real_http_the_413_comes_before_the_body_is_sent() -> None:
    async with served(small_app()) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 20000000\r\n"
            b"Content-Type: application/json\r\n\r\n"
        )  # the 20 MB announced are never sent
        await writer.drain()
        try:
            assert (await status_line(reader)).startswith(b"HTTP/1.1 413")
        finally:
            writer.close()


async def test_over_real_http_a_chunked_body_is_cut_off_at_the_limit() -> None:
    async with served(small_app()) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(LIMIT // CHUNK + 1):  # just past the limit, and never the last chunk
            writer.write(b"%x\r\n%s\r\n" % (CHUNK, b"x" * CHUNK))
        await writer.drain()
        try:
            assert (await status_line(reader)).startswith(b"HTTP/1.1 413")
        finally:
            writer.close()


def _intake_app(tmp_path: Path) -> FastAPI:
    from services.intake.app import create_app
    from services.intake.bootstrap import bootstrap
    from services.intake.settings import IntakeSettings

    settings = IntakeSettings(
        development=True,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}",
        master_key=base64.b64encode(os.urandom(32)).decode(),
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )
    return create_app(bootstrap(settings))


def _casework_app(tmp_path: Path) -> FastAPI:
    from services.casework.app import create_app
    from services.casework.bootstrap import bootstrap
    from services.casework.settings import CaseworkSettings

    settings = CaseworkSettings(
        development=True,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'casework.db'}",
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
    )
    return create_app(bootstrap(settings))


def _notifications_app(tmp_path: Path) -> FastAPI:
    from services.notifications.app import create_app
    from services.notifications.bootstrap import bootstrap
    from services.notifications.settings import NotificationsSettings

    settings = NotificationsSettings(
        development=True,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
        auth=AuthSettings(jwt_secret=DEV_JWT_SECRET),
        secret_key=base64.b64encode(os.urandom(32)).decode(),
        provider="twilio",
    )
    return create_app(bootstrap(settings))


@pytest.mark.parametrize(
    ("make_app", "path", "size"),
    [
        (_intake_app, "/persons", 2 * 1024 * 1024),
        (_casework_app, "/cases", 2 * 1024 * 1024),
        (_notifications_app, "/webhooks/sms/inbound", 100 * 1024),
    ],
    ids=["intake", "casework", "notifications-webhook"],
)
async def test_every_service_refuses_a_body_over_its_limit(
    tmp_path: Path, make_app: Callable[[Path], FastAPI], path: str, size: int
) -> None:
    """Before authentication and signature checks: the body is never read."""
    body = Body(chunks=size // CHUNK)
    transport = httpx.ASGITransport(app=make_app(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.post(
            path,
            content=body,
            headers={"Content-Length": str(size), "Content-Type": "application/json"},
        )
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert body.pulled == 0
