"""A client of intake's key store: services fetch a person's data key to read or write the
person's encrypted fields. Keys stay in memory for a short while only; an erased person's
key answers 410 and is never cached."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import structlog
from pydantic import BaseModel, Field, SecretStr

from shared.auth import SERVICE_PREFIX, SERVICE_ROLE, mint_token
from shared.crypto import encrypt_field
from shared.web import Gone, Unavailable

log = structlog.get_logger(__name__)

KEY_PATH = "/internal/keys/{person_id}"
"""Where intake releases a person's data key: `{"key": <base64>}`, 410 once erased. The
route's OpenAPI is snapshot-tested in tests/contracts, as the events are."""


class KeyStoreSettings(BaseModel):
    """Where intake's key store answers, and how this service proves who it is."""

    url: str = "http://127.0.0.1:8001"
    token: SecretStr | None = Field(
        default=None,
        description="a service token (OIDC client credentials); when unset, one "
        "is minted with the development JWT secret",
    )
    cache_seconds: float = Field(default=300.0, ge=0)
    timeout_seconds: float = Field(default=5.0, gt=0)


class PersonKeyGone(LookupError):
    """The person was erased: their key no longer exists anywhere."""


class KeyStoreUnavailable(RuntimeError):
    """The key store did not answer usefully; try again later."""


@dataclass
class _Cached:
    key: bytes
    until: float


class KeyStoreClient:
    """Fetches data keys from intake as a service, with a short in-memory cache."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        token: Callable[[], str],
        *,
        cache_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._token = token
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, _Cached] = {}

    async def key(self, person_id: str) -> bytes:
        """The person's data key; PersonKeyGone once erased, KeyStoreUnavailable on trouble."""
        cached = self._cache.get(person_id)
        if cached is not None and cached.until > self._clock():
            return cached.key
        try:
            response = await self._http.get(
                KEY_PATH.format(person_id=person_id),
                headers={"Authorization": f"Bearer {self._token()}"},
            )
        except httpx.HTTPError as exc:
            raise KeyStoreUnavailable(f"key store unreachable: {type(exc).__name__}") from exc
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        # 410 is an erasure; 404 only when intake itself says it knows no such person (a 404
        # from a wrong URL or a proxy must not read as an erasure)
        if response.status_code == 410 or (response.status_code == 404 and problem):
            self.forget(person_id)
            raise PersonKeyGone(person_id)
        if response.status_code != 200:
            log.warning("keystore.refused", status=response.status_code)
            raise KeyStoreUnavailable(f"key store answered {response.status_code}")
        key = base64.b64decode(response.json()["key"])
        self._cache[person_id] = _Cached(key, self._clock() + self._cache_seconds)
        return key

    def forget(self, person_id: str) -> None:
        """Drop a cached key (the person was erased)."""
        self._cache.pop(person_id, None)

    async def close(self) -> None:
        """Release the HTTP connections."""
        await self._http.aclose()


def service_token(
    service: str, settings: KeyStoreSettings, jwt_secret: SecretStr | None
) -> Callable[[], str]:
    """The token this service presents: the configured one, or (development) a short-lived
    one minted with the shared development secret, renewed before it expires."""
    if settings.token is not None:
        configured = settings.token.get_secret_value()
        return lambda: configured
    if jwt_secret is None:
        raise ValueError("the key store needs a service token (KEY_STORE__TOKEN)")
    secret = jwt_secret.get_secret_value()
    current: dict[str, tuple[str, float]] = {}

    def token() -> str:
        held = current.get("token")
        if held is None or held[1] < time.monotonic():
            minted = mint_token(
                secret,
                user_id=SERVICE_PREFIX + service,
                org="passerelle",
                roles=[SERVICE_ROLE],
                ttl_seconds=600,
            )
            current["token"] = (minted, time.monotonic() + 500)
        return current["token"][0]

    return token


KEY_STORE_AWAY = "The key store does not answer: nothing was written; try again shortly."
ERASED_PERSON = "This person was erased: nothing more can be written about them."


async def seal(keys: KeyStoreClient, person_id: str, text: str, aad: str) -> str:
    """Free text about a person encrypted with their own key: 410 once they are erased, 503
    if the key store is away (nothing is ever written in clear instead)."""
    try:
        key = await keys.key(person_id)
    except PersonKeyGone as exc:
        raise Gone(ERASED_PERSON) from exc
    except KeyStoreUnavailable as exc:
        raise Unavailable(KEY_STORE_AWAY) from exc
    return encrypt_field(key, text, aad=aad)
