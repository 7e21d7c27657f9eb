"""An OpenID provider for the tests: oidc-provider-mock (Authlib and Flask) served over HTTP on
a free port, issuing JWT access tokens the services verify through its JWKS, and refusing a
code whose PKCE verifier does not match its S256 challenge (the mock itself ignores PKCE)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import jwt
import oidc_provider_mock
import werkzeug.serving
from authlib.oauth2.rfc7636 import create_s256_code_challenge

AUDIENCE = "passerelle"


@dataclass
class Provider:
    """The identity provider's address, and what it was sent (endpoint -> parameters)."""

    url: str
    received: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    challenges: dict[str, str] = field(default_factory=dict)

    def sent(self, endpoint: str) -> list[dict[str, str]]:
        return [params for path, params in self.received if path == endpoint]


def _access_token(provider: Provider) -> Any:
    """JWT access tokens (the mock's are opaque) signed with the provider's own published key,
    carrying the organisation and roles the services read."""

    def generate(client: Any, grant_type: str, user: Any, scope: str) -> str:
        key = flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True)
        now = int(time.time())
        claims = {"iss": provider.url, "aud": AUDIENCE, "sub": user.sub, "scope": scope}
        claims |= {"iat": now, "exp": now + 3600, "client_id": client.get_client_id()}
        claims |= {k: v for k, v in user.claims.items() if k in ("org", "roles")}
        signing = jwt.PyJWK(key).key
        return jwt.encode(claims, signing, "RS256", headers={"kid": key["kid"], "typ": "at+jwt"})

    return generate


def _requiring_pkce(app: flask.Flask, provider: Provider) -> None:
    """The mock does not check PKCE: record each request, and refuse a code whose verifier does
    not hash to the S256 challenge of its authorization request."""

    @app.before_request
    def record() -> Any:
        request = flask.request
        params = dict(request.args) | dict(request.form)
        provider.received.append((request.path, params))
        if request.path != "/oauth2/token":
            return None
        challenge = provider.challenges.pop(params.get("code", ""), None)
        verifier = params.get("code_verifier", "")
        if challenge is None or create_s256_code_challenge(verifier) != challenge:
            return flask.jsonify(error="invalid_grant", error_description="PKCE"), 400
        return None

    @app.after_request
    def challenge_of_code(response: flask.Response) -> flask.Response:
        args = flask.request.args
        if (
            flask.request.path == "/oauth2/authorize"
            and args.get("code_challenge_method") == "S256"
        ):
            code = parse_qs(urlsplit(response.location or "").query).get("code")
            if code:
                provider.challenges[code[0]] = args["code_challenge"]
        return response


@contextlib.contextmanager
def serving(users: list[oidc_provider_mock.User]) -> Iterator[Provider]:
    """oidc-provider-mock on a free port of the loopback, knowing these users."""
    found = Provider(url="")
    app = flask.Flask(oidc_provider_mock.__name__)  # its templates
    app.config["OAUTH2_ACCESS_TOKEN_GENERATOR"] = _access_token(found)
    oidc_provider_mock.init_app(
        app, require_nonce=True, issue_refresh_token=False, user_claims=users
    )
    _requiring_pkce(app, found)
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    found.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        thread.join(5)
