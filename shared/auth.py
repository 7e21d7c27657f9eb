"""Bearer tokens (HS256 dev secret or RS256 via JWKS); CLI: `python -m shared.auth mint`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, SecretStr, field_validator, model_validator

from shared.web import Forbidden, ProblemError

DEV_JWT_SECRET = "passerelle-dev-secret-change-me-0000000000"
SECRET_ENV = "PASSERELLE_JWT_SECRET"
MIN_SECRET_CHARS = 32
MAX_TOKEN_CHARS = 8192
_REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]

log = structlog.stdlib.get_logger(__name__)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user of an organisation with some roles."""

    user_id: str
    org: str
    roles: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        """Tell whether the principal holds at least one of these roles."""
        return not self.roles.isdisjoint(roles)

    @property
    def service_name(self) -> str | None:
        """The calling service's name for a service account (`sub` is `service:<name>` and the
        token holds the `service` role, as an OIDC client-credentials grant gives); else None."""
        name = self.user_id.removeprefix(SERVICE_PREFIX)
        if self.has_role(SERVICE_ROLE) and name != self.user_id and name:
            return name
        return None


SERVICE_ROLE = "service"
SERVICE_PREFIX = "service:"


CROSS_ORGANISATION_ROLES = frozenset({"coordinator"})


def may_see_organisation(principal: Principal, organisation_id: str) -> bool:
    """A caller sees their own organisation's files; coordinators see across organisations."""
    return principal.org == organisation_id or principal.has_role(*CROSS_ORGANISATION_ROLES)


class AuthSettings(BaseModel):
    """How tokens are verified: an HS256 shared secret (dev) or an RS256 JWKS URL (OIDC)."""

    jwt_secret: SecretStr | None = None
    jwks_url: str | None = None
    issuer: str = "passerelle"
    audience: str = "passerelle"
    leeway_seconds: int = 30

    @field_validator("jwt_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_CHARS:
            raise ValueError(f"jwt_secret must be at least {MIN_SECRET_CHARS} characters")
        return value

    @model_validator(mode="after")
    def _one_key_source(self) -> AuthSettings:
        if self.jwt_secret is not None and self.jwks_url:
            raise ValueError("set jwt_secret or jwks_url, not both")
        return self

    @property
    def algorithms(self) -> list[str]:
        """The only algorithms accepted: RS256 with JWKS, HS256 with a secret."""
        if self.jwks_url:
            return ["RS256"]
        return ["HS256"] if self.jwt_secret is not None else []


class AuthError(ProblemError):
    """The bearer token is missing or invalid (401)."""

    status = 401
    title = "Unauthorized"

    def __init__(self, reason: str, *, challenge: str = 'Bearer error="invalid_token"') -> None:
        super().__init__(reason, headers={"WWW-Authenticate": challenge})


# Most specific first: the reasons never quote the token.
_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.MissingRequiredClaimError, "missing required claim"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.PyJWKClientConnectionError, "signing keys unavailable"),
    (jwt.PyJWKClientError, "unknown signing key"),
    (jwt.DecodeError, "malformed token"),
)


def _reason(exc: jwt.PyJWTError) -> str:
    return next((text for kind, text in _REASONS if isinstance(exc, kind)), "invalid token")


class TokenVerifier:
    """Verify bearer tokens against AuthSettings and turn their claims into a Principal."""

    def __init__(self, settings: AuthSettings, *, jwks_client: jwt.PyJWKClient | None = None):
        if not settings.algorithms:
            raise ValueError("auth: set jwt_secret (HS256) or jwks_url (RS256)")
        self._settings = settings
        self._secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        self._jwks = jwks_client
        if settings.jwks_url and jwks_client is None:
            self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, timeout=5)

    def verify(self, token: str) -> Principal:
        """Check signature, exp, iss and aud; raise AuthError on any failure."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise AuthError("malformed token")
        try:
            claims = jwt.decode(
                token,
                key=self._key_for(token),
                algorithms=self._settings.algorithms,
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=self._settings.leeway_seconds,
                options={"require": _REQUIRED_CLAIMS},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            reason = _reason(exc) if isinstance(exc, jwt.PyJWTError) else "invalid token"
            log.info("auth.token_rejected", reason=reason)
            raise AuthError(reason) from None
        return _principal_from(claims)

    async def verify_async(self, token: str) -> Principal:
        """Verify without blocking the event loop while JWKS keys are fetched."""
        if self._jwks is None:
            return self.verify(token)
        return await asyncio.to_thread(self.verify, token)

    def _key_for(self, token: str) -> Any:
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key
        return self._secret


def _principal_from(claims: Mapping[str, Any]) -> Principal:
    user_id, org, roles = claims.get("sub"), claims.get("org"), claims.get("roles", [])
    if not isinstance(user_id, str) or not user_id:
        raise AuthError("invalid sub claim")
    if not isinstance(org, str) or not org:
        raise AuthError("missing org claim")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise AuthError("invalid roles claim")
    return Principal(user_id=user_id, org=org, roles=frozenset(roles))


_bearer = HTTPBearer(auto_error=False)


async def get_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Principal:
    """FastAPI dependency: the verified caller, bound to the log context; 401 otherwise."""
    verifier = getattr(request.app.state, "token_verifier", None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError("app.state.token_verifier is not configured")
    if credentials is None:
        raise AuthError("missing bearer token", challenge="Bearer")
    principal = await verifier.verify_async(credentials.credentials)
    structlog.contextvars.bind_contextvars(user_id=principal.user_id, org=principal.org)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Return a dependency giving the principal if it holds one of the roles, else 403."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    wanted = frozenset(roles)

    async def principal_with_role(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(*wanted):
            raise Forbidden("Requires one of the roles: " + ", ".join(sorted(wanted)))
        return principal

    return principal_with_role


Staff = Annotated[Principal, Depends(require_roles("intake", "caseworker", "coordinator"))]
"""The people who serve persons; auditors read history, not live files."""
Caseworker = Annotated[Principal, Depends(require_roles("caseworker", "coordinator"))]
"""The people who follow case files."""
Coordinator = Annotated[Principal, Depends(require_roles("coordinator", "admin"))]
"""The people who decide for an organisation."""


def mint_token(
    secret: str,
    *,
    user_id: str,
    org: str,
    roles: Iterable[str],
    issuer: str = "passerelle",
    audience: str = "passerelle",
    ttl_seconds: int = 3600,
    now: datetime | None = None,
) -> str:
    """Sign an HS256 token for development and tests."""
    issued = now if now is not None else datetime.now(UTC)
    claims = {
        "sub": user_id,
        "org": org,
        "roles": sorted(set(roles)),
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "exp": issued + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `mint --user U --org O --roles a,b [--secret S] [--ttl N]` prints a token."""
    parser = argparse.ArgumentParser(prog="python -m shared.auth")
    commands = parser.add_subparsers(dest="command", required=True)
    mint = commands.add_parser("mint", help="print an HS256 development token")
    mint.add_argument("--user", required=True)
    mint.add_argument("--org", required=True)
    mint.add_argument("--roles", default="", help="comma-separated, e.g. intake,caseworker")
    mint.add_argument("--secret", default=None, help=f"default: ${SECRET_ENV} or the dev secret")
    mint.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    mint.add_argument("--issuer", default="passerelle")
    mint.add_argument("--audience", default="passerelle")
    args = parser.parse_args(argv)
    secret = args.secret or os.environ.get(SECRET_ENV) or DEV_JWT_SECRET
    roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    token = mint_token(
        secret,
        user_id=args.user,
        org=args.org,
        roles=roles,
        issuer=args.issuer,
        audience=args.audience,
        ttl_seconds=args.ttl,
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
