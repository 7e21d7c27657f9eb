"""Intake's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.intake.api import router
from services.intake.bootstrap import Intake
from shared.body_limit import install_body_limit
from shared.runtime import base_app


def create_app(intake: Intake) -> FastAPI:
    """The intake API: registration of persons, health and readiness."""
    app = base_app(
        intake.runtime,
        title="Passerelle intake",
        description="Welcoming a person, without documents; households, consent and referrals.",
    )
    app.state.intake = intake
    settings = intake.runtime.settings
    install_body_limit(app, max_bytes=settings.max_body_bytes, limits=settings.body_limits)
    app.include_router(router)
    return app
