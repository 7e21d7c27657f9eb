"""problem+json errors, request context middleware and health endpoints on a tiny app."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel

from shared.health import health_router
from shared.logging import clear_sensitive_values, configure_logging
from shared.web import (
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
    RequestContextMiddleware,
    Unprocessable,
    current_correlation_id,
    install_problem_handlers,
)

CANARY = "Zyxwvu Canary-Name"


class PersonCreate(BaseModel):
    chosen_name: str
    age: int


class InsufficientHold(ProblemError):
    status = 409
    title = "Legal hold"
    type_ = "https://passerelle.example/problems/legal-hold"


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.post("/persons")
    async def create_person(person: PersonCreate) -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/persons/{person_id}")
    async def read_person(person_id: str) -> dict[str, str | None]:
        if person_id == "missing":
            raise NotFound("No such person.")
        if person_id == "held":
            raise InsufficientHold("Erasure is blocked.", extra={"hold_until": "2030-01-01"})
        if person_id == "teapot":
            raise HTTPException(status_code=418, detail="short and stout")
        return {"person_id": person_id, "correlation_id": current_correlation_id()}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"database said: password=hunter2 person={CANARY}")

    return app


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("web-test", json=True, stream=stream)
    yield stream
    root.handlers[:] = saved
    root.setLevel(saved_level)
    structlog.reset_defaults()
    clear_sensitive_values()


@pytest.fixture
def client(log_output: io.StringIO) -> Iterator[TestClient]:
    with TestClient(build_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def log_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_problem_error_renders_problem_json(client: TestClient) -> None:
    response = client.get("/persons/missing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["title"] == "Not found"
    assert body["status"] == 404
    assert body["detail"] == "No such person."
    assert body["instance"] == "/persons/missing"
    assert body["request_id"] == response.headers["x-request-id"]


def test_domain_error_subclass_keeps_type_status_and_extra(client: TestClient) -> None:
    body = client.get("/persons/held").json()
    assert body["status"] == 409
    assert body["type"] == "https://passerelle.example/problems/legal-hold"
    assert body["hold_until"] == "2030-01-01"


def test_error_classes_carry_their_status() -> None:
    assert (NotFound.status, Forbidden.status, Conflict.status, Unprocessable.status) == (
        404,
        403,
        409,
        422,
    )
    error = ProblemError("bad", status=418, title="Teapot")
    assert (error.status, error.title, error.detail) == (418, "Teapot", "bad")


def test_validation_error_is_422_without_input_values(client: TestClient) -> None:
    response = client.post("/persons", json={"chosen_name": CANARY, "age": "Zyxwvu-age"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "Zyxwvu" not in response.text
    body = response.json()
    assert body["errors"] == [
        {
            "loc": ["body", "age"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "type": "int_parsing",
        }
    ]


def test_missing_field_is_reported_by_location(client: TestClient) -> None:
    body = client.post("/persons", json={"age": 3}).json()
    assert body["status"] == 422
    assert [error["loc"] for error in body["errors"]] == [["body", "chosen_name"]]
    assert "input" not in body["errors"][0]


def test_malformed_json_is_a_client_error(client: TestClient) -> None:
    response = client.post(
        "/persons",
        content=b'{"chosen_name": "Zyxwvu", ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["type"] == "json_invalid"
    assert "Zyxwvu" not in response.text


def test_http_exception_and_unknown_route_render_problems(client: TestClient) -> None:
    teapot = client.get("/persons/teapot")
    assert teapot.status_code == 418
    assert teapot.json()["detail"] == "short and stout"
    unknown = client.get("/nowhere")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["title"] == "Not Found"


def test_unhandled_error_is_500_problem_without_internals(
    client: TestClient, log_output: io.StringIO
) -> None:
    response = client.get("/boom", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-500"
    body = response.json()
    assert body["title"] == "Internal server error"
    assert body["detail"] is None
    assert body["request_id"] == "req-500"
    for secret in ("hunter2", "Zyxwvu", "RuntimeError", "Traceback"):
        assert secret not in response.text
    error_line = next(
        line for line in log_lines(log_output) if line["event"] == "request.unhandled_error"
    )
    assert error_line["error_type"] == "RuntimeError"
    assert "hunter2" not in log_output.getvalue()
    assert "Zyxwvu" not in log_output.getvalue()


def test_request_and_correlation_ids_are_echoed_and_bound(client: TestClient) -> None:
    response = client.get(
        "/persons/p-42", headers={"X-Request-ID": "abc.123_x-y", "X-Correlation-ID": "corr-1"}
    )
    assert response.headers["x-request-id"] == "abc.123_x-y"
    assert response.headers["x-correlation-id"] == "corr-1"
    assert response.json()["correlation_id"] == "corr-1"


@pytest.mark.parametrize("bad_id", ["has space", "x" * 129, "semi;colon", ""])
def test_invalid_request_id_is_replaced(client: TestClient, bad_id: str) -> None:
    response = client.get("/persons/p-1", headers={"X-Request-ID": bad_id})
    request_id = response.headers["x-request-id"]
    assert request_id != bad_id
    assert len(request_id) == 36
    assert response.headers["x-correlation-id"] == request_id


def test_access_line_uses_route_template(client: TestClient, log_output: io.StringIO) -> None:
    client.get("/persons/p-secret-id?name=Zyxwvu", headers={"X-Request-ID": "r-7"})
    access = [line for line in log_lines(log_output) if line["event"] == "http.request"]
    assert len(access) == 1
    line = access[0]
    assert line["method"] == "GET"
    assert line["path"] == "/persons/{person_id}"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["request_id"] == "r-7"
    assert line["correlation_id"] == "r-7"
    assert "p-secret-id" not in log_output.getvalue()
    assert "Zyxwvu" not in log_output.getvalue()


async def test_context_is_bound_during_the_request_and_cleared_after() -> None:
    seen: dict[str, Any] = {}
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(structlog.contextvars.get_contextvars())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/x",
        "headers": [(b"x-correlation-id", b"c-3")],
    }
    await RequestContextMiddleware(app)(scope, receive, send)
    assert seen["correlation_id"] == "c-3"
    assert seen["request_id"] != "c-3"
    assert structlog.contextvars.get_contextvars() == {}
    assert (b"x-correlation-id", b"c-3") in sent[0]["headers"]


def health_app(checks: dict[str, Any]) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(health_router(checks, timeout=0.2))
    return TestClient(app)


def test_healthz_is_always_ok() -> None:
    response = health_app({}).get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_ok_when_every_check_passes() -> None:
    async def fine() -> None:
        return None

    response = health_app({"db": fine, "kafka": fine}).get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"db": "ok", "kafka": "ok"}}


def test_readyz_503_names_failing_checks_without_their_messages(log_output: io.StringIO) -> None:
    async def fine() -> None:
        return None

    async def broken() -> None:
        raise ConnectionError("postgresql://passerelle:hunter2@db/intake refused")

    async def stuck() -> None:
        await asyncio.sleep(30)

    response = health_app({"db": broken, "kafka": stuck, "cache": fine}).get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["failing"] == ["db", "kafka"]
    assert body["checks"] == {"db": "failed", "kafka": "timeout", "cache": "ok"}
    assert "hunter2" not in response.text
    assert "hunter2" not in log_output.getvalue()
