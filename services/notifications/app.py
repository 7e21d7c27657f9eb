"""Notifications' FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications.api import router
from shared.runtime import Runtime, base_app


def create_app(runtime: Runtime) -> FastAPI:
    """The notifications API: contacts, health and readiness."""
    app = base_app(
        runtime,
        title="Passerelle notifications",
        description="Contacts, reminder plans and SMS to beneficiaries, in their language.",
    )
    app.include_router(router)
    return app
