"""Casework's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.casework.api import routers
from services.casework.container import Casework
from shared.service import service_app


def create_app(casework: Casework) -> FastAPI:
    """The casework API: case files, deadlines, sharing, appointments, a caseworker's day."""
    return service_app(
        casework,
        title="Passerelle casework",
        description="Legal and administrative case files shared across partner organisations.",
        routers=routers,
    )
