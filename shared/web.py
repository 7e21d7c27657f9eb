"""HTTP plumbing shared by every service: problem+json errors, request context, health."""

from __future__ import annotations

import re
import time
import traceback
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import DomainError

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"
CORRELATION_ID_HEADER = "X-Correlation-ID"

_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,128}")

log = structlog.stdlib.get_logger(__name__)


class ProblemError(Exception):
    """An error that renders as an RFC 9457 problem with its own HTTP status."""

    status: int = 400
    title: str = "Bad request"
    type_: str = "about:blank"

    def __init__(
        self,
        detail: str | None = None,
        *,
        title: str | None = None,
        status: int | None = None,
        type_: str | None = None,
        extra: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title or self.title)
        self.detail = detail
        if title is not None:
            self.title = title
        if status is not None:
            self.status = status
        if type_ is not None:
            self.type_ = type_
        self.extra: dict[str, object] = dict(extra or {})
        self.headers: dict[str, str] = dict(headers or {})


class NotFound(ProblemError):
    """The resource does not exist (or is not visible to the caller)."""

    status = 404
    title = "Not found"


class Forbidden(ProblemError):
    """The caller is authenticated but not allowed to do this."""

    status = 403
    title = "Forbidden"


class Conflict(ProblemError):
    """The request conflicts with the current state of the resource."""

    status = 409
    title = "Conflict"


class Unprocessable(ProblemError):
    """The request is well-formed but breaks a rule."""

    status = 422
    title = "Unprocessable content"


class Gone(ProblemError):
    """The resource existed and was erased on purpose."""

    status = 410
    title = "Gone"


class Unavailable(ProblemError):
    """A service this answer depends on is away for now; retrying later may work."""

    status = 503
    title = "Service Unavailable"


class ProblemResponse(JSONResponse):
    """A JSON response with the application/problem+json media type."""

    media_type = PROBLEM_JSON


def current_correlation_id() -> str | None:
    """Return the correlation id bound to the current context, if any."""
    value = structlog.contextvars.get_contextvars().get("correlation_id")
    return value if isinstance(value, str) else None


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str | None = None,
    type_: str = "about:blank",
    extra: Mapping[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """Build a problem+json response for this request (standard members win over extra)."""
    body: dict[str, object] = {
        **(extra or {}),
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": _state_value(request, "request_id"),
    }
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error of the app, expected or not, as application/problem+json."""
    app.add_exception_handler(ProblemError, _problem_error_handler)
    app.add_exception_handler(DomainError, _domain_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(Exception, _unhandled_error_handler)


async def _problem_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ProblemError):
        return await _unhandled_error_handler(request, exc)
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        type_=exc.type_,
        extra=exc.extra,
        headers=exc.headers,
    )


async def _domain_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, DomainError):
        return await _unhandled_error_handler(request, exc)
    return problem_response(request, status=exc.status, title=exc.title, detail=str(exc))


async def _validation_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):
        return await _unhandled_error_handler(request, exc)
    errors = [_safe_error(error) for error in exc.errors()]
    if any(error["type"] == "json_invalid" for error in errors):
        return problem_response(
            request,
            status=400,
            title="Malformed JSON body",
            detail="The request body is not valid JSON.",
            extra={"errors": errors},
        )
    return problem_response(
        request,
        status=422,
        title="Validation failed",
        detail=f"{len(errors)} invalid field(s) in the request.",
        extra={"errors": errors},
    )


def _safe_error(error: Mapping[str, Any]) -> dict[str, object]:
    """Keep location, message and type of a validation error; drop the input (personal data)."""
    loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
    msg = str(error.get("msg", ""))
    given = error.get("input")
    if isinstance(given, str) and given:
        # the input only where it stands as a word of its own: a one-letter input must not
        # turn "Extra inputs are not permitted" into "E[redacted]tra inputs…"
        msg = re.sub(rf"(?<!\w){re.escape(given)}(?!\w)", "[redacted]", msg)
    return {"loc": loc, "msg": msg, "type": str(error.get("type", ""))}


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):
        return await _unhandled_error_handler(request, exc)
    headers = dict(exc.headers or {})
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    title = _phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    return problem_response(
        request, status=exc.status_code, title=title, detail=detail, headers=headers
    )


async def _unhandled_error_handler(request: Request, exc: Exception) -> Response:
    # Never the message, the body or the locals: they may hold personal data.
    log.error("request.unhandled_error", error_type=type(exc).__name__, where=_where(exc))
    headers = {
        REQUEST_ID_HEADER: _state_value(request, "request_id"),
        CORRELATION_ID_HEADER: _state_value(request, "correlation_id"),
    }
    return problem_response(
        request,
        status=500,
        title="Internal server error",
        headers={name: value for name, value in headers.items() if value},
    )


def _where(exc: BaseException) -> str | None:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _state_value(request: Request, name: str) -> str | None:
    value = request.scope.get("state", {}).get(name)
    return value if isinstance(value, str) else None


def _valid_id(value: str | None) -> str | None:
    return value if value is not None and _ID_RE.fullmatch(value) else None


class RequestContextMiddleware:
    """Bind request and correlation ids to the log context, echo them, log one access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection; only HTTP requests get a context."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = _valid_id(headers.get(REQUEST_ID_HEADER)) or str(uuid.uuid4())
        correlation_id = _valid_id(headers.get(CORRELATION_ID_HEADER)) or request_id
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["correlation_id"] = correlation_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, correlation_id=correlation_id)
        status = 500
        started = time.perf_counter()

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = MutableHeaders(scope=message)
                response_headers[REQUEST_ID_HEADER] = request_id
                response_headers[CORRELATION_ID_HEADER] = correlation_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            log.info(
                "http.request",
                method=scope["method"],
                path=_path_template(scope),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.clear_contextvars()


def _path_template(scope: Scope) -> str:
    """Return the matched route's template (no ids, no query string), else the raw path."""
    route_path = getattr(scope.get("route"), "path", None)
    if isinstance(route_path, str):
        return route_path
    return str(scope.get("path", ""))
