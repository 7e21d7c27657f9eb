"""Talking to the organisation's identity provider (OpenID Connect, authorization code flow
with PKCE S256), through Authlib.

Authlib's Starlette client brings discovery, the JWKS (fetched again when the provider's key
changes), the ID token's validation (signature, issuer, audience, expiry, nonce, `at_hash`) and
the end-session address. Its `authorize_redirect`/`authorize_access_token` keep the state in a
cookie session; the console keeps it in its own table instead (`sign_in_attempts`), so only
the stateless calls are used here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError

from services.console.settings import OidcSettings

log = structlog.stdlib.get_logger(__name__)
CALLBACK = "/signin/callback"
AFTER_SIGN_OUT = "/signin"


class ProviderRefused(Exception):
    """The provider refused the code, or its answer did not verify."""


class ProviderUnreachable(Exception):
    """The provider does not answer (or answers 5xx)."""


@dataclass(frozen=True)
class Authorization:
    """Where to send the browser, and what the callback will need to finish."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Tokens:
    """What the provider gave for the code: the verified ID token's claims and the tokens."""

    claims: dict[str, Any]
    access_token: str
    expires_in: float | None
    id_token: str | None


class IdentityProvider:
    """The console as a relying party of one OpenID provider."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        secret = settings.client_secret
        self._app: Any = OAuth().register(
            "provider",
            client_id=settings.client_id,
            client_secret=secret.get_secret_value() if secret else None,
            server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.scopes,
                "code_challenge_method": "S256",
                "timeout": settings.timeout_seconds,
            },
        )

    @property
    def redirect_uri(self) -> str:
        """Where the provider sends the browser back."""
        return self.settings.public_url.rstrip("/") + CALLBACK

    async def authorization(self) -> Authorization:
        """A fresh state, nonce and PKCE verifier, and the authorization URL carrying them."""
        try:
            found = await self._app.create_authorization_url(self.redirect_uri)
        except (httpx.HTTPError, ValueError, KeyError, RuntimeError) as exc:
            log.warning("oidc.discovery_failed", error=type(exc).__name__)
            raise ProviderUnreachable from None
        return Authorization(found["url"], found["state"], found["nonce"], found["code_verifier"])

    async def tokens(self, code: str, code_verifier: str, nonce: str) -> Tokens:
        """Exchange the code (with the verifier) and verify the ID token it comes with."""
        try:
            token = await self._app.fetch_access_token(
                redirect_uri=self.redirect_uri, code=code, code_verifier=code_verifier
            )
            claims = await self._app.parse_id_token(token, nonce=nonce)
        except (OAuthError, JoseError, KeyError, ValueError) as exc:
            log.info("oidc.code_refused", error=type(exc).__name__)
            raise ProviderRefused from None
        except httpx.HTTPError as exc:
            log.warning("oidc.token_failed", error=type(exc).__name__)
            raise ProviderUnreachable from None
        if claims is None or not token.get("access_token"):
            log.info("oidc.no_id_token")
            raise ProviderRefused
        expires = token.get("expires_in")
        return Tokens(
            claims=dict(claims),
            access_token=str(token["access_token"]),
            expires_in=float(expires) if isinstance(expires, int | float) else None,
            id_token=token.get("id_token"),
        )

    async def sign_out_url(self, id_token: str | None) -> str | None:
        """The provider's end-session address for this ID token, if it advertises one."""
        try:
            metadata = await self._app.load_server_metadata()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("oidc.discovery_failed", error=type(exc).__name__)
            return None
        if not metadata.get("end_session_endpoint") or not id_token:
            return None
        after = self.settings.public_url.rstrip("/") + AFTER_SIGN_OUT
        found = await self._app.create_logout_url(
            post_logout_redirect_uri=after, id_token_hint=id_token
        )
        return str(found["url"])
