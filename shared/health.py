"""Liveness and readiness: /healthz answers while the process lives, /readyz when it can serve."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import structlog
from fastapi import APIRouter, Request
from starlette.responses import Response

from shared.web import problem_response

HEALTH_CHECK_TIMEOUT = 3.0

HealthCheck = Callable[[], Awaitable[None]]
HealthDetail = Callable[[], Awaitable[Mapping[str, object]]]

log = structlog.stdlib.get_logger(__name__)


def health_router(
    checks: Mapping[str, HealthCheck],
    *,
    timeout: float = HEALTH_CHECK_TIMEOUT,
    detail: HealthDetail | None = None,
) -> APIRouter:
    """Return /healthz (alive) and /readyz (every check passes within its timeout); `detail`
    adds a service's own state to a ready answer (it may set `status`, e.g. "degraded")."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", response_model=None)
    async def readyz(request: Request) -> Response | dict[str, object]:
        names = list(checks)
        outcomes = await asyncio.gather(*(_run_check(n, checks[n], timeout) for n in names))
        results = dict(zip(names, outcomes, strict=True))
        failing = sorted(name for name, outcome in results.items() if outcome != "ok")
        if failing:
            return problem_response(
                request,
                status=503,
                title="Service not ready",
                detail="Failing checks: " + ", ".join(failing),
                extra={"checks": results, "failing": failing},
            )
        answer: dict[str, object] = {"status": "ready", "checks": results}
        if detail is not None:
            answer.update(await detail())
        return answer

    return router


async def _run_check(name: str, check: HealthCheck, timeout: float) -> str:
    try:
        async with asyncio.timeout(timeout):
            await check()
    except TimeoutError:
        log.warning("health.check_timed_out", check=name, timeout_s=timeout)
        return "timeout"
    except Exception as exc:
        # The type only: messages of driver errors can embed DSNs with passwords.
        log.warning("health.check_failed", check=name, error_type=type(exc).__name__)
        return "failed"
    return "ok"
