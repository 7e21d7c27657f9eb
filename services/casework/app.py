"""Casework's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.casework.api import router
from services.casework.api.referrals import router as referrals_router
from services.casework.bootstrap import Casework
from shared.body_limit import install_body_limit
from shared.runtime import base_app


def create_app(casework: Casework) -> FastAPI:
    """The casework API: case files, deadlines, sharing, appointments, a caseworker's day."""
    app = base_app(
        casework.runtime,
        title="Passerelle casework",
        description="Legal and administrative case files shared across partner organisations.",
    )
    app.state.casework = casework
    settings = casework.runtime.settings
    install_body_limit(app, max_bytes=settings.max_body_bytes, limits=settings.body_limits)
    app.include_router(router)
    app.include_router(referrals_router)
    return app
