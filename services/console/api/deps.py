"""What the console's pages receive: the signed-in session, its language, a form's CSRF check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form, Request

from services.console.container import Console
from services.console.domain.problems import FORM_EXPIRED
from services.console.domain.sessions import best_locale, same_token
from services.console.handlers import sessions as handlers
from services.console.models import BrowserSession
from services.console.queries import sessions as queries
from shared.web import Forbidden

COOKIE = "passerelle_session"


def console(request: Request) -> Console:
    """The console's container (only this module reaches it)."""
    found: Console = request.app.state.console
    return found


ConsoleDep = Annotated[Console, Depends(console)]


def _now(request: Request) -> datetime:
    return console(request).clock()


Now = Annotated[datetime, Depends(_now)]


class SignInFirst(Exception):
    """No standing session: the browser is sent to the sign-in page."""


async def _signed_in(request: Request, now: Now) -> BrowserSession:
    container = console(request)
    secret = request.cookies.get(COOKIE)
    async with container.sessions() as session, session.begin():
        found = await queries.current(session, secret, container.lifetime, now)
        if found is None:
            raise SignInFirst
        handlers.touch(found, now)
        session.expunge(found)
        return found


Signed = Annotated[BrowserSession, Depends(_signed_in)]


async def _checked(signed: Signed, csrf: Annotated[str | None, Form()] = None) -> BrowserSession:
    if not same_token(csrf, signed.csrf_token):
        raise Forbidden(FORM_EXPIRED)
    return signed


SignedForm = Annotated[BrowserSession, Depends(_checked)]
"""A signed-in user posting a form that carries the session's CSRF token."""


async def page_user(request: Request) -> BrowserSession | None:
    """The signed-in user of a request whose page failed, if any: an error page speaks their
    language and keeps their menu. Reading it does not extend the session."""
    container = console(request)
    secret = request.cookies.get(COOKIE)
    async with container.sessions() as session:
        found = await queries.current(session, secret, container.lifetime, container.clock())
        if found is not None:
            session.expunge(found)
        return found


def guest_locale(request: Request) -> str:
    """The language of a page shown before sign-in: the browser's, if the console speaks it."""
    settings = console(request).settings
    offered = console(request).pages.locales
    return best_locale(request.headers.get("accept-language"), offered, settings.default_locale)
