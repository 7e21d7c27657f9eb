"""Housing's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.housing.api import routers
from services.housing.container import Housing
from shared.service import service_app


def create_app(housing: Housing) -> FastAPI:
    """The housing API: the centre's sites, rooms and beds, and beds out of service."""
    return service_app(
        housing,
        title="Passerelle housing",
        description="The emergency reception centre: its sites, rooms and beds.",
        routers=routers,
    )
