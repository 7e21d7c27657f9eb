"""Token verification (HS256 and RS256 through a real local JWKS endpoint) and FastAPI deps."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from shared.auth import (
    DEV_JWT_SECRET,
    AuthError,
    AuthSettings,
    CurrentPrincipal,
    Principal,
    TokenVerifier,
    main,
    mint_token,
    require_roles,
)
from shared.web import install_problem_handlers

ROOT = Path(__file__).resolve().parents[2]
SECRET = "unit-test-secret-0123456789abcdefghijkl"
KID = "test-key-1"


def hs_verifier(**overrides: Any) -> TokenVerifier:
    return TokenVerifier(AuthSettings(jwt_secret=SecretStr(SECRET), **overrides))


def hs_token(**overrides: Any) -> str:
    claims: dict[str, Any] = {"user_id": "alice", "org": "city", "roles": ["intake"]}
    return mint_token(SECRET, **(claims | overrides))


def expect_auth_error(verifier: TokenVerifier, token: str, reason: str) -> None:
    with pytest.raises(AuthError) as caught:
        verifier.verify(token)
    assert caught.value.status == 401
    assert caught.value.detail == reason
    assert token not in str(caught.value)


# --- HS256 -------------------------------------------------------------------------------


def test_hs256_token_gives_the_principal() -> None:
    token = hs_token(roles=["intake", "caseworker"])
    principal = hs_verifier().verify(token)
    assert principal == Principal("alice", "city", frozenset({"intake", "caseworker"}))
    assert principal.has_role("caseworker", "auditor")
    assert not principal.has_role("auditor")
    assert not principal.has_role()


def test_hs256_wrong_secret_fails() -> None:
    token = mint_token("another-secret-of-at-least-32-chars!!", user_id="a", org="o", roles=[])
    expect_auth_error(hs_verifier(), token, "bad signature")


def test_expired_token_fails() -> None:
    token = hs_token(now=datetime.now(UTC) - timedelta(hours=2), ttl_seconds=3600)
    expect_auth_error(hs_verifier(), token, "token expired")


def test_wrong_issuer_and_audience_fail() -> None:
    expect_auth_error(hs_verifier(), hs_token(issuer="someone-else"), "wrong issuer")
    expect_auth_error(hs_verifier(), hs_token(audience="other-app"), "wrong audience")


def test_unsigned_and_garbage_tokens_fail() -> None:
    unsigned = jwt.encode(
        {"sub": "a", "org": "o", "iss": "passerelle", "aud": "passerelle", "exp": 4102444800},
        key=None,
        algorithm="none",
    )
    expect_auth_error(hs_verifier(), unsigned, "algorithm not allowed")
    expect_auth_error(hs_verifier(), "not.a.token", "malformed token")
    expect_auth_error(hs_verifier(), "x" * 10_000, "malformed token")


def test_missing_claims_fail() -> None:
    base = {"sub": "alice", "iss": "passerelle", "aud": "passerelle", "exp": 4102444800}
    no_org = jwt.encode(base, SECRET, algorithm="HS256")
    expect_auth_error(hs_verifier(), no_org, "missing org claim")
    no_exp = {key: value for key, value in base.items() if key != "exp"} | {"org": "city"}
    expect_auth_error(
        hs_verifier(), jwt.encode(no_exp, SECRET, algorithm="HS256"), "missing required claim"
    )
    bad_roles = jwt.encode(base | {"org": "city", "roles": "admin"}, SECRET, algorithm="HS256")
    expect_auth_error(hs_verifier(), bad_roles, "invalid roles claim")


def test_settings_derive_algorithms_and_reject_weak_or_ambiguous_config() -> None:
    assert AuthSettings(jwt_secret=SecretStr(SECRET)).algorithms == ["HS256"]
    assert AuthSettings(jwks_url="http://127.0.0.1/jwks").algorithms == ["RS256"]
    with pytest.raises(ValidationError):
        AuthSettings(jwt_secret=SecretStr("short"))
    with pytest.raises(ValidationError):
        AuthSettings(jwt_secret=SecretStr(SECRET), jwks_url="http://127.0.0.1/jwks")
    with pytest.raises(ValueError, match="jwt_secret"):
        TokenVerifier(AuthSettings())
    assert SECRET not in repr(AuthSettings(jwt_secret=SecretStr(SECRET)))


# --- RS256 through a JWKS URL ------------------------------------------------------------


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa_key()


@pytest.fixture(scope="module")
def jwks_url(signing_key: rsa.RSAPrivateKey) -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    body = json.dumps({"keys": [jwk | {"kid": KID, "alg": "RS256", "use": "sig"}]}).encode()

    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def rs_token(key: rsa.RSAPrivateKey, *, kid: str = KID, **overrides: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": "bob",
        "org": "asso-1",
        "roles": ["caseworker"],
        "iss": "https://keycloak.example/realms/passerelle",
        "aud": "passerelle",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    return jwt.encode(claims | overrides, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def rs_verifier(jwks_url: str) -> TokenVerifier:
    settings = AuthSettings(jwks_url=jwks_url, issuer="https://keycloak.example/realms/passerelle")
    return TokenVerifier(settings)


def test_rs256_token_verified_through_jwks_url(
    rs_verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey
) -> None:
    principal = rs_verifier.verify(rs_token(signing_key))
    assert principal == Principal("bob", "asso-1", frozenset({"caseworker"}))


async def test_rs256_async_verification(
    rs_verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey
) -> None:
    assert (await rs_verifier.verify_async(rs_token(signing_key))).user_id == "bob"


def test_rs256_rejects_wrong_issuer_audience_and_expiry(
    rs_verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey
) -> None:
    expect_auth_error(rs_verifier, rs_token(signing_key, iss="https://evil"), "wrong issuer")
    expect_auth_error(rs_verifier, rs_token(signing_key, aud="other"), "wrong audience")
    past = datetime.now(UTC) - timedelta(hours=1)
    expect_auth_error(rs_verifier, rs_token(signing_key, exp=past), "token expired")


def test_rs256_rejects_other_keys(rs_verifier: TokenVerifier) -> None:
    intruder = rsa_key()
    expect_auth_error(rs_verifier, rs_token(intruder), "bad signature")
    expect_auth_error(rs_verifier, rs_token(intruder, kid="unknown-kid"), "unknown signing key")


def test_rs256_verifier_rejects_hs256_signed_with_the_public_key(
    rs_verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey
) -> None:
    public_pem = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {"sub": "eve", "org": "x", "iss": "passerelle", "aud": "passerelle", "exp": 4102444800}
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
    payload = b64url(json.dumps(claims).encode())
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    expect_auth_error(rs_verifier, f"{header}.{payload}.{b64url(mac)}", "algorithm not allowed")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_unreachable_jwks_is_a_401() -> None:
    verifier = TokenVerifier(AuthSettings(jwks_url="http://127.0.0.1:9/jwks"))
    expect_auth_error(verifier, rs_token(rsa_key()), "signing keys unavailable")


# --- FastAPI dependencies ----------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = hs_verifier()

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, Any]:
        bound = structlog.contextvars.get_contextvars()
        return {"user": principal.user_id, "org": principal.org, "bound": bound.get("org")}

    @app.get("/cases", dependencies=[Depends(require_roles("caseworker", "coordinator"))])
    async def cases() -> dict[str, str]:
        return {"ok": "yes"}

    with TestClient(app) as test_client:
        yield test_client
    structlog.contextvars.clear_contextvars()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_missing_token_is_401_with_challenge(client: TestClient) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "missing bearer token"


def test_other_scheme_is_401(client: TestClient) -> None:
    assert client.get("/me", headers={"Authorization": "Basic YWxpY2U6cHc="}).status_code == 401


def test_invalid_token_is_401_and_not_echoed(client: TestClient) -> None:
    token = hs_token(issuer="evil")
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert token not in response.text


def test_valid_token_gives_principal_and_binds_log_context(client: TestClient) -> None:
    response = client.get("/me", headers=bearer(hs_token()))
    assert response.status_code == 200
    assert response.json() == {"user": "alice", "org": "city", "bound": "city"}


def test_role_requirement(client: TestClient) -> None:
    forbidden = client.get("/cases", headers=bearer(hs_token(roles=["intake"])))
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert "caseworker" in forbidden.json()["detail"]
    allowed = client.get("/cases", headers=bearer(hs_token(roles=["coordinator"])))
    assert allowed.status_code == 200
    assert client.get("/cases").status_code == 401


def test_require_roles_needs_a_role() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        require_roles()


# --- minting -----------------------------------------------------------------------------


def test_mint_token_claims() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    token = mint_token(SECRET, user_id="u", org="o", roles=["b", "a", "a"], now=now, ttl_seconds=60)
    claims = jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        audience="passerelle",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["roles"] == ["a", "b"]
    assert claims["iss"] == "passerelle"
    assert claims["exp"] - claims["iat"] == 60
    assert claims["iat"] == int(now.timestamp())


def test_cli_mints_with_the_dev_secret_by_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PASSERELLE_JWT_SECRET", raising=False)
    assert main(["mint", "--user", "alice", "--org", "city", "--roles", "intake,caseworker"]) == 0
    token = capsys.readouterr().out.strip()
    verifier = TokenVerifier(AuthSettings(jwt_secret=SecretStr(DEV_JWT_SECRET)))
    assert verifier.verify(token).roles == {"intake", "caseworker"}


def test_cli_reads_the_secret_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PASSERELLE_JWT_SECRET", SECRET)
    main(["mint", "--user", "alice", "--org", "city", "--ttl", "60"])
    principal = hs_verifier().verify(capsys.readouterr().out.strip())
    assert principal.roles == frozenset()


def test_cli_runs_as_a_module() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PASSERELLE_JWT_SECRET"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "shared.auth",
            "mint",
            "--user",
            "alice",
            "--org",
            "city",
            "--roles",
            "auditor",
            "--secret",
            SECRET,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert hs_verifier().verify(result.stdout.strip()).roles == {"auditor"}
