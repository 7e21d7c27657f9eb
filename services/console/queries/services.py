"""Asking the services' public APIs with the signed-in user's token; a service that does not
answer makes its part of a page unavailable, not the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import structlog

log = structlog.get_logger(__name__)


class Unreachable(Exception):
    """The service did not answer usefully; the page shows its part as unavailable."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


@dataclass(frozen=True)
class Answer:
    """A service's answer to a change: 2xx with the resource, 4xx with a problem."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        """The change was made."""
        return self.status < 400


class TokenRefused(Exception):
    """A service refused the user's token (expired, revoked): the user signs in again."""


@dataclass(frozen=True)
class Services:
    """One HTTP client per service, by name (intake, casework, notifications)."""

    clients: dict[str, httpx.AsyncClient]

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        """The JSON a service answers; None for a 404, or a 403 (what the user's organisation
        or role may not see is, to them, not there); `Unreachable` when it is down or 5xx."""
        response = await self._send("GET", service, path, token, params=params or None)
        if response.status_code in (403, 404):
            return None
        response.raise_for_status()
        return response.json()

    async def post(self, service: str, path: str, token: str, body: dict[str, Any]) -> Answer:
        """What a service answers to a change: its status and JSON (a problem for a 4xx);
        `Unreachable` when it is down or answers 5xx."""
        return await self.change("POST", service, path, token, body)

    async def change(
        self, method: str, service: str, path: str, token: str, body: dict[str, Any]
    ) -> Answer:
        """A POST, PUT, PATCH or DELETE and what the service answers, as `post` does."""
        response = await self._send(method, service, path, token, json=body)
        return Answer(response.status_code, response.json() if response.content else {})

    async def _send(
        self, method: str, service: str, path: str, token: str, **request: Any
    ) -> httpx.Response:
        """The service's answer with the user's token; a refused token and a service that is
        down or failing are exceptions, any other status is the caller's to read."""
        headers = {"Authorization": f"Bearer {token}"}
        try:
            response = await self.clients[service].request(method, path, headers=headers, **request)
        except httpx.HTTPError as exc:
            log.warning("console.service_unreachable", service=service, error=type(exc).__name__)
            raise Unreachable(service) from exc
        if response.status_code == 401:
            raise TokenRefused(service)
        if response.status_code >= 500:
            log.warning("console.service_failed", service=service, status=response.status_code)
            raise Unreachable(service)
        return response

    async def close(self) -> None:
        """Release the connections."""
        for client in self.clients.values():
            await client.aclose()
