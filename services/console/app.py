"""The console's FastAPI application: server-rendered pages, their errors as pages too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from services.console.api import routers
from services.console.api.deps import SignInFirst, guest_locale, page_user
from services.console.container import Console
from services.console.queries.services import TokenRefused, Unreachable
from shared.health import health_router
from shared.web import ProblemError, RequestContextMiddleware, install_problem_handlers

STATIC = Path(__file__).parent / "static"


def create_app(console: Console) -> FastAPI:
    """The caseworkers' web application."""
    app = FastAPI(title="Passerelle console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console
    install_problem_handlers(app)

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/signin", status_code=303)

    async def page(request: Request, name: str, status: int, **context: Any) -> Response:
        """A page about the request's failure, in its user's language with their menu."""
        user = await page_user(request)
        locale = user.locale if user is not None else guest_locale(request)
        html = console.pages.render(locale, name, user=user, **context)
        return HTMLResponse(html, status_code=status)

    async def error_page(request: Request, exc: Exception) -> Response:
        status = exc.status if isinstance(exc, ProblemError) else 500
        detail = exc.detail if isinstance(exc, ProblemError) else None
        return await page(request, "error.html", status, detail=detail)

    async def unavailable(request: Request, exc: Exception) -> Response:
        service = exc.service if isinstance(exc, Unreachable) else "?"
        return await page(request, "unavailable.html", 503, service=service)

    async def database() -> None:
        async with console.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    app.add_exception_handler(SignInFirst, sign_in_first)
    app.add_exception_handler(TokenRefused, sign_in_first)
    app.add_exception_handler(Unreachable, unavailable)
    app.add_exception_handler(ProblemError, error_page)
    app.add_middleware(RequestContextMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(health_router({"database": database}))
    for router in routers:
        app.include_router(router)
    return app
