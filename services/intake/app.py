"""Intake's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.intake.api import routers
from services.intake.container import Intake
from shared.service import service_app


def create_app(intake: Intake) -> FastAPI:
    """The intake API: persons, partners, consents, referrals, needs, households, merges, keys."""
    return service_app(
        intake,
        title="Passerelle intake",
        description="Welcoming a person, without documents; households, consent and referrals.",
        routers=routers,
    )
