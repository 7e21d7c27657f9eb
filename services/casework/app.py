"""Casework's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.casework.api import router
from shared.runtime import Runtime, base_app


def create_app(runtime: Runtime) -> FastAPI:
    """The casework API: cases, health and readiness."""
    app = base_app(
        runtime,
        title="Passerelle casework",
        description="Legal and administrative case files, opened from partners' referrals.",
    )
    app.include_router(router)
    return app
