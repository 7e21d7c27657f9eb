"""Signing in to the console through a real OpenID provider (oidc-provider-mock, served over
HTTP on a free port), with casework verifying the provider's tokens through its JWKS."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import oidc_provider_mock
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from pydantic import SecretStr
from sqlalchemy import select, update

from services.casework.app import create_app as create_casework_app
from services.casework.bootstrap import bootstrap as bootstrap_casework
from services.casework.settings import CaseworkSettings
from services.console.app import create_app as create_console_app
from services.console.bootstrap import bootstrap as bootstrap_console
from services.console.container import Console
from services.console.models import BrowserSession, SignInAttempt
from services.console.queries.identity import IdentityProvider
from services.console.settings import ConsoleSettings, OidcSettings
from services.intake.app import create_app as create_intake_app
from services.intake.container import Intake
from shared.auth import DEV_JWT_SECRET, AuthSettings, mint_token
from shared.keystore import KeyStoreSettings
from shared.migrations import upgrade
from tests.integration.console_world import NOW, csrf_of
from tests.integration.oidc_provider import AUDIENCE, Provider, serving
from tests.support.infra import fresh_database

CONSOLE = "http://localhost"
DESK_USER = oidc_provider_mock.User(
    sub="city-desk", claims={"org": "city-montreuil", "roles": ["intake", "caseworker"]}
)
NAMELESS = oidc_provider_mock.User(sub="drifter", claims={"roles": ["caseworker"]})


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    """The identity provider, knowing the city's desk user and a user of no organisation."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain HTTP on the loopback
    with serving([DESK_USER, NAMELESS]) as found:
        yield found


def _verified_by(provider: Provider) -> AuthSettings:
    return AuthSettings(jwks_url=provider.url + "/jwks", issuer=provider.url, audience=AUDIENCE)


@pytest.fixture
async def casework(
    provider: Provider, intake: Intake, casework_db: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The real casework, verifying bearer tokens through the provider's JWKS."""
    key_store_token = mint_token(
        DEV_JWT_SECRET, user_id="service:casework", org="passerelle", roles=["service"]
    )
    settings = CaseworkSettings(
        development=True,
        database_url=casework_db,
        auth=_verified_by(provider),
        key_store=KeyStoreSettings(token=SecretStr(key_store_token)),
    )
    key_store = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_intake_app(intake)), base_url="http://intake"
    )
    service = bootstrap_casework(settings, key_store_http=key_store)
    await upgrade(service.runtime.engine, service.runtime.migrations)
    transport = httpx.ASGITransport(app=create_casework_app(service))
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as http:
        yield http
    await service.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def console(
    request: pytest.FixtureRequest, tmp_path: Path, provider: Provider, casework: httpx.AsyncClient
) -> AsyncIterator[Console]:
    """The console in production mode (no demo users), signing in through the provider."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
        else:
            url = stack.enter_context(fresh_database(request.getfixturevalue("pg_server_url")))
        settings = ConsoleSettings(
            development=False,
            database_url=url,
            auth=_verified_by(provider),
            oidc=OidcSettings(
                issuer=provider.url,
                client_id="console",
                client_secret=SecretStr("console-secret"),
                public_url=CONSOLE,
                name="Montreuil Connect",
            ),
        )
        down = httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=2)
        clients = {"casework": casework, "intake": down, "notifications": down}
        service = bootstrap_console(settings, clients=clients)
        service.clock.set(NOW)
        await upgrade(service.engine, service.migrations)
        yield service
        await service.engine.dispose()


@pytest.fixture
async def desk(console: Console) -> AsyncIterator[httpx.AsyncClient]:
    """A caseworker's browser at the console, in English."""
    transport = httpx.ASGITransport(app=create_console_app(console))
    headers = {"Accept-Language": "en"}
    async with httpx.AsyncClient(transport=transport, base_url=CONSOLE, headers=headers) as http:
        yield http


async def to_provider(desk: httpx.AsyncClient) -> str:
    """Press the provider's button on the sign-in page: the authorization URL it leads to."""
    page = await desk.get("/signin")
    started = await desk.post("/signin/oidc", data={"csrf": csrf_of(page)})
    assert started.status_code == 303, started.text
    return started.headers["location"]


async def at_provider(authorization: str, choice: dict[str, str]) -> str:
    """The user at the provider's page (a browser of its own): the console's callback URL."""
    async with httpx.AsyncClient() as browser:
        page = await browser.get(authorization)
        assert page.status_code == 200, page.text
        answer = await browser.post(authorization, data=choice)
    assert answer.status_code == 302, answer.text
    back = answer.headers["location"]
    assert back.startswith(CONSOLE + "/signin/callback?")
    return back


async def the_session(console: Console) -> BrowserSession:
    """The one session the console opened."""
    async with console.sessions() as session:
        found = (await session.execute(select(BrowserSession))).scalars().all()
    assert len(found) == 1
    return found[0]


async def test_signing_in_through_the_provider_ends_on_today_with_its_token(
    console: Console, desk: httpx.AsyncClient, provider: Provider, casework: httpx.AsyncClient
) -> None:
    authorization = await to_provider(desk)
    arrived = await desk.get(await at_provider(authorization, {"sub": "city-desk"}))
    assert arrived.status_code == 303
    assert arrived.headers["location"] == "/today"
    today = await desk.get("/today")
    assert today.status_code == 200, "casework accepted the provider's token"
    assert "city-desk · city-montreuil" in today.text
    assert 'id="my-cases"' in today.text
    assert "does not answer" not in today.text

    (asked,) = provider.sent("/oauth2/authorize")[:1]
    assert asked["code_challenge_method"] == "S256"
    assert asked["code_challenge"]
    assert asked["nonce"]
    assert asked["state"]
    assert "code_verifier" not in asked
    (exchanged,) = provider.sent("/oauth2/token")
    assert create_s256_code_challenge(exchanged["code_verifier"]) == asked["code_challenge"]

    signed = await the_session(console)
    assert (signed.user_id, signed.organisation_id) == ("city-desk", "city-montreuil")
    assert signed.roles == "caseworker intake"
    assert jwt.get_unverified_header(signed.access_token)["alg"] == "RS256"
    bearer = {"Authorization": f"Bearer {signed.access_token}"}
    assert (await casework.get("/day", headers=bearer)).status_code == 200
    forged = mint_token(DEV_JWT_SECRET, user_id="city-desk", org="city-montreuil", roles=[])
    refused = await casework.get("/day", headers={"Authorization": f"Bearer {forged}"})
    assert refused.status_code == 401, "casework trusts the provider's keys only"

    assert signed.expires_at == NOW + timedelta(hours=1), "the session ends with its token"
    console.clock.set(NOW + timedelta(hours=1))
    expired = await desk.get("/today")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/signin"


async def test_a_callback_replayed_or_with_a_wrong_state_is_refused(
    desk: httpx.AsyncClient,
) -> None:
    back = await at_provider(await to_provider(desk), {"sub": "city-desk"})
    forged = back.replace("state=", "state=x")
    refused = await desk.get(forged)
    assert refused.status_code == 400
    assert "expired or was already used" in refused.text
    assert (await desk.get(back)).status_code == 303, "the real state still opens a session"
    replayed = await desk.get(back)
    assert replayed.status_code == 400, "a state is used once"
    assert "expired or was already used" in replayed.text


async def test_a_callback_in_another_browser_opens_nothing(
    console: Console, desk: httpx.AsyncClient
) -> None:
    back = await at_provider(await to_provider(desk), {"sub": "city-desk"})
    transport = httpx.ASGITransport(app=create_console_app(console))
    async with httpx.AsyncClient(transport=transport, base_url=CONSOLE) as other:
        lured = await other.get(back)
    assert lured.status_code == 400, "the attempt belongs to the browser that started it"
    assert (await desk.get(back)).status_code == 400, "and the lured try used it up"


async def test_the_provider_refusing_shows_a_sentence(
    console: Console, desk: httpx.AsyncClient
) -> None:
    denied = await desk.get(await at_provider(await to_provider(desk), {"action": "deny"}))
    assert denied.status_code == 400
    assert "cancelled at your identity provider" in denied.text

    back = await at_provider(await to_provider(desk), {"sub": "city-desk"})
    async with console.sessions() as session, session.begin():
        await session.execute(update(SignInAttempt).values(code_verifier="not-the-one" * 5))
    refused = await desk.get(back)
    assert refused.status_code == 400, "a code with another verifier is refused"
    assert "did not confirm this sign-in" in refused.text


async def test_an_account_without_an_organisation_opens_nothing(
    console: Console, desk: httpx.AsyncClient
) -> None:
    arrived = await desk.get(await at_provider(await to_provider(desk), {"sub": "drifter"}))
    assert arrived.status_code == 400
    assert "names no organisation" in arrived.text
    assert (await desk.get("/today")).status_code == 303


async def test_outside_development_only_the_provider_signs_in(desk: httpx.AsyncClient) -> None:
    page = await desk.get("/signin")
    assert "Sign in with Montreuil Connect" in page.text
    assert "Sign in as" not in page.text
    assert "city-coordinator" not in page.text
    dev = await desk.post("/signin/dev", data={"user_id": "city-desk", "csrf": csrf_of(page)})
    assert dev.status_code == 404
    french = await desk.get("/signin", headers={"Accept-Language": "fr"})
    assert "Se connecter avec Montreuil Connect" in french.text
    arabic = await desk.get("/signin", headers={"Accept-Language": "ar"})
    assert "تسجيل الدخول عبر Montreuil Connect" in arabic.text
    without = await desk.post("/signin/oidc", data={"csrf": "guess"})
    assert without.status_code == 403, "the button's form carries its CSRF nonce"


async def test_signing_out_ends_the_session_at_the_provider_too(
    console: Console, desk: httpx.AsyncClient, provider: Provider
) -> None:
    await desk.get(await at_provider(await to_provider(desk), {"sub": "city-desk"}))
    id_token = (await the_session(console)).id_token
    today = await desk.get("/today")
    left = await desk.post("/signout", data={"csrf": csrf_of(today)})
    assert left.status_code == 303
    ended = urlsplit(left.headers["location"])
    assert f"{ended.scheme}://{ended.netloc}{ended.path}" == provider.url + "/oauth2/end_session"
    params = parse_qs(ended.query)
    assert params["id_token_hint"] == [id_token]
    assert params["post_logout_redirect_uri"] == [CONSOLE + "/signin"]
    assert (await desk.get("/today")).status_code == 303, "the console's session is over"
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(left.headers["location"])).status_code == 200


async def test_a_provider_that_does_not_answer_is_named_not_a_crash(
    console: Console, desk: httpx.AsyncClient
) -> None:
    assert console.identity is not None
    settings = console.identity.settings.model_copy(update={"issuer": "http://127.0.0.1:9"})
    console.identity = IdentityProvider(settings)
    page = await desk.get("/signin")
    down = await desk.post("/signin/oidc", data={"csrf": csrf_of(page)})
    assert down.status_code == 503
    assert "does not answer" in down.text
