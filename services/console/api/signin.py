"""Signing in (through the organisation's identity provider, or as a demo user in development)
and out, and choosing the language of the pages."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import COOKIE, ConsoleDep, Now, SignedForm, guest_locale
from services.console.domain import identity as sign_in
from services.console.domain.problems import FORM_EXPIRED, NO_DEMO_USER, NO_DEV_SIGN_IN
from services.console.handlers import sessions as handlers
from services.console.models import BrowserSession
from services.console.queries.identity import ProviderRefused, ProviderUnreachable
from shared.auth import mint_token
from shared.web import Forbidden, NotFound

router = APIRouter(tags=["sign-in"])
SIGNIN_COOKIE = "passerelle_signin"
"""The sign-in forms' own CSRF nonce, before any session exists (double submit)."""
ATTEMPT_COOKIE = "passerelle_attempt"
"""Ties a sign-in sent to the provider to the browser that sent it."""


def _secure(request: Request, console: ConsoleDep) -> bool:
    if console.settings.secure_cookies is not None:
        return console.settings.secure_cookies
    return request.url.hostname not in ("localhost", "127.0.0.1", "::1", "testserver")


def _signin_page(
    request: Request, console: ConsoleDep, problem: str | None = None, status: int = 200
) -> Response:
    nonce = secrets.token_urlsafe(24)
    provider = console.identity
    page = console.pages.render(
        guest_locale(request),
        "signin.html",
        development=console.settings.development,
        users=console.settings.dev_users,
        csrf=nonce,
        provider=provider.settings.name if provider else None,
        problem=problem,
    )
    response = HTMLResponse(page, status_code=status)
    response.set_cookie(
        SIGNIN_COOKIE, nonce, httponly=True, samesite="lax", secure=_secure(request, console)
    )
    return response


def _check_nonce(request: Request, csrf: str) -> None:
    if not secrets.compare_digest(csrf, request.cookies.get(SIGNIN_COOKIE, "")):
        raise Forbidden(FORM_EXPIRED)


def _signed_in(request: Request, console: ConsoleDep, secret: str) -> Response:
    response = RedirectResponse("/today", status_code=303)
    response.delete_cookie(SIGNIN_COOKIE)
    response.delete_cookie(ATTEMPT_COOKIE, path="/signin")
    response.set_cookie(
        COOKIE, secret, httponly=True, samesite="lax", secure=_secure(request, console)
    )
    return response


@router.get("/signin", response_class=HTMLResponse)
async def signin_page(request: Request, console: ConsoleDep) -> Response:
    """The sign-in page: the identity provider's button; in development, the demo users."""
    return _signin_page(request, console)


@router.post("/signin/oidc")
async def signin_with_provider(
    request: Request, console: ConsoleDep, now: Now, csrf: Annotated[str, Form(max_length=64)]
) -> Response:
    """Send the browser to the identity provider, with a fresh state, nonce and PKCE challenge."""
    if console.identity is None:
        raise NotFound(sign_in.NOT_CONFIGURED)
    _check_nonce(request, csrf)
    try:
        authorization = await console.identity.authorization()
    except ProviderUnreachable:
        return _signin_page(request, console, sign_in.PROVIDER_DOWN, 503)
    async with console.sessions() as session, session.begin():
        await handlers.forget_stale_attempts(session, now)
        browser = await handlers.begin_attempt(
            session,
            state=authorization.state,
            nonce=authorization.nonce,
            code_verifier=authorization.code_verifier,
            now=now,
        )
    response = RedirectResponse(authorization.url, status_code=303)
    response.set_cookie(
        ATTEMPT_COOKIE,
        browser,
        max_age=int(sign_in.ATTEMPT_LIFETIME.total_seconds()),
        path="/signin",
        httponly=True,
        samesite="lax",
        secure=_secure(request, console),
    )
    return response


@router.get("/signin/callback")
async def signin_callback(
    request: Request,
    console: ConsoleDep,
    now: Now,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """The provider sends the browser back: check the state, exchange the code, open a session."""
    provider = console.identity
    if provider is None:
        raise NotFound(sign_in.NOT_CONFIGURED)
    problem = sign_in.callback_problem(error, code, state)
    if problem is not None or code is None or state is None:
        return _signin_page(request, console, problem or sign_in.STALE, 400)
    async with console.sessions() as session, session.begin():
        attempt = await handlers.take_attempt(
            session, state=state, browser=request.cookies.get(ATTEMPT_COOKIE), now=now
        )
    if attempt is None:
        return _signin_page(request, console, sign_in.STALE, 400)
    try:
        tokens = await provider.tokens(code, attempt.code_verifier, attempt.nonce)
    except ProviderRefused:
        return _signin_page(request, console, sign_in.REFUSED, 400)
    except ProviderUnreachable:
        return _signin_page(request, console, sign_in.PROVIDER_DOWN, 503)
    user = sign_in.identity_from(
        tokens.claims,
        organisation_claim=provider.settings.organisation_claim,
        roles_claim=provider.settings.roles_claim,
    )
    if user is None:
        return _signin_page(request, console, sign_in.NO_ORGANISATION, 400)
    async with console.sessions() as session, session.begin():
        secret = await handlers.start(
            session,
            user_id=user.user_id,
            organisation_id=user.organisation_id,
            roles=list(user.roles),
            access_token=tokens.access_token,
            locale=guest_locale(request),
            now=now,
            expires_at=console.lifetime.ends(now, tokens.expires_in),
            id_token=tokens.id_token,
        )
    return _signed_in(request, console, secret)


@router.post("/signin/dev")
async def signin_as(
    request: Request,
    console: ConsoleDep,
    now: Now,
    user_id: Annotated[str, Form(max_length=128)],
    csrf: Annotated[str, Form(max_length=64)],
) -> Response:
    """Development only: sign in as one of the demo users."""
    settings = console.settings
    if not settings.development:
        raise NotFound(NO_DEV_SIGN_IN)
    _check_nonce(request, csrf)
    user = next((u for u in settings.dev_users if u.user_id == user_id), None)
    if user is None or settings.auth.jwt_secret is None:
        raise NotFound(NO_DEMO_USER)
    token = mint_token(
        settings.auth.jwt_secret.get_secret_value(),
        user_id=user.user_id,
        org=user.organisation_id,
        roles=user.roles,
        ttl_seconds=settings.max_hours * 3600,
    )
    async with console.sessions() as session, session.begin():
        secret = await handlers.start(
            session,
            user_id=user.user_id,
            organisation_id=user.organisation_id,
            roles=user.roles,
            access_token=token,
            locale=guest_locale(request),
            now=now,
            expires_at=console.lifetime.ends(now, settings.max_hours * 3600),
        )
    return _signed_in(request, console, secret)


@router.post("/signout")
async def signout(signed: SignedForm, console: ConsoleDep, now: Now) -> Response:
    """End the session (its cookie opens nothing any more), and at the provider if it can."""
    id_token = None
    async with console.sessions() as session, session.begin():
        found = await session.get(BrowserSession, signed.id)
        if found is not None:
            id_token = found.id_token
            handlers.end(found, now)
    ended = await console.identity.sign_out_url(id_token) if console.identity else None
    response = RedirectResponse(ended or "/signin", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.post("/language")
async def choose_language(
    signed: SignedForm,
    console: ConsoleDep,
    locale: Annotated[str, Form(pattern="^(fr|en|ar)$")],
) -> Response:
    """Speak another language on every page, from now on."""
    async with console.sessions() as session, session.begin():
        found = await session.get(BrowserSession, signed.id)
        if found is not None:
            found.locale = locale
    return RedirectResponse("/today", status_code=303)
