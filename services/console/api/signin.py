"""Signing in and out, and choosing the language of the pages."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import COOKIE, ConsoleDep, Now, SignedForm, guest_locale
from services.console.domain.problems import FORM_EXPIRED, NO_DEMO_USER, NO_DEV_SIGN_IN
from services.console.handlers import sessions as handlers
from services.console.models import BrowserSession
from shared.auth import mint_token
from shared.web import Forbidden, NotFound

router = APIRouter(tags=["sign-in"])
SIGNIN_COOKIE = "passerelle_signin"
"""The sign-in form's own CSRF nonce, before any session exists (double submit)."""


def _secure(request: Request, console: ConsoleDep) -> bool:
    if console.settings.secure_cookies is not None:
        return console.settings.secure_cookies
    return request.url.hostname not in ("localhost", "127.0.0.1", "::1", "testserver")


@router.get("/signin", response_class=HTMLResponse)
async def signin_page(request: Request, console: ConsoleDep) -> Response:
    """The sign-in page: in development, the demo users of three organisations."""
    nonce = secrets.token_urlsafe(24)
    page = console.pages.render(
        guest_locale(request),
        "signin.html",
        development=console.settings.development,
        users=console.settings.dev_users,
        csrf=nonce,
    )
    response = HTMLResponse(page)
    response.set_cookie(
        SIGNIN_COOKIE, nonce, httponly=True, samesite="lax", secure=_secure(request, console)
    )
    return response


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
    if not secrets.compare_digest(csrf, request.cookies.get(SIGNIN_COOKIE, "")):
        raise Forbidden(FORM_EXPIRED)
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
        )
    response = RedirectResponse("/today", status_code=303)
    response.delete_cookie(SIGNIN_COOKIE)
    response.set_cookie(
        COOKIE, secret, httponly=True, samesite="lax", secure=_secure(request, console)
    )
    return response


@router.post("/signout")
async def signout(signed: SignedForm, console: ConsoleDep, now: Now) -> Response:
    """End the session: its cookie opens nothing any more."""
    async with console.sessions() as session, session.begin():
        found = await session.get(BrowserSession, signed.id)
        if found is not None:
            handlers.end(found, now)
    response = RedirectResponse("/signin", status_code=303)
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
