"""Request bodies over a limit are refused with 413 before they are read into memory."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import cast

import structlog
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web import PROBLEM_JSON, RequestContextMiddleware

log = structlog.stdlib.get_logger(__name__)


class BodyTooLarge(Exception):
    """The body being received has gone past its limit."""


class BodyLimitMiddleware:
    """Refuse a body over its path's limit: at once when Content-Length says so, else as soon
    as the chunks received pass it (chunked bodies, or a Content-Length that lies)."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # the longest matching prefix wins: "/webhooks/sms/" before "/webhooks/"
        self.limits = sorted((limits or {}).items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        """The largest body accepted on this path."""
        return next(
            (size for prefix, size in self.limits if path.startswith(prefix)), self.max_bytes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection; only HTTP request bodies are limited."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            log.info("http.body_too_large", declared=declared, limit=limit)
            await _refuse(scope, send, limit)
            return
        guard = _Guard(receive, send, limit)
        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, guard.receive, guard.send)
        if guard.exceeded:
            log.info("http.body_too_large", received=guard.received, limit=limit)
            if guard.started:  # too late for a 413: the server drops the connection
                raise BodyTooLarge
            await _refuse(scope, send, limit)


class _Guard:
    """Counts the body as the app reads it; once past the limit, the answer is ours."""

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive, self._send, self._limit = receive, send, limit
        self.received = 0
        self.exceeded = self.started = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self._limit:
                self.exceeded = True
                raise BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded:  # whatever the app answers to BodyTooLarge is dropped
            return
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value is not None and value.isdigit() else None


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    state = scope.get("state", {})
    response = JSONResponse(
        {
            "type": "about:blank",
            "title": "Content Too Large",
            "status": 413,
            "detail": f"The request body is larger than {limit} bytes, the limit here.",
            "instance": scope.get("path"),
            "request_id": state.get("request_id"),
        },
        status_code=413,
        media_type=PROBLEM_JSON,
        headers={"Connection": "close"},  # the rest of the body is never read
    )

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, nothing, send)


def install_body_limit(
    app: FastAPI, *, max_bytes: int, limits: Mapping[str, int] | None = None
) -> None:
    """Limit the app's request bodies, just inside the request context so a 413 has its ids."""
    middleware = Middleware(BodyLimitMiddleware, max_bytes=max_bytes, limits=dict(limits or {}))
    # cast: starlette types `cls` as a factory protocol, which a class never equals for mypy
    context = [
        i
        for i, m in enumerate(app.user_middleware)
        if cast(object, m.cls) is RequestContextMiddleware
    ]
    app.user_middleware.insert(context[0] + 1 if context else 0, middleware)
