"""Casework's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.casework.api import router
from services.casework.bootstrap import Casework
from shared.runtime import base_app


def create_app(casework: Casework) -> FastAPI:
    """The casework API: case files, deadlines, sharing, appointments, a caseworker's day."""
    app = base_app(
        casework.runtime,
        title="Passerelle casework",
        description="Legal and administrative case files shared across partner organisations.",
    )
    app.state.casework = casework
    app.include_router(router)
    return app
