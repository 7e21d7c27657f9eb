"""Audit's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.audit.api import routers
from services.audit.api.health import chains_detail, metrics_router
from services.audit.container import Audit
from shared.service import service_app


def create_app(audit: Audit) -> FastAPI:
    """The audit API: every service's history, verified, for auditors; the chains' state on
    /readyz and /metrics."""
    return service_app(
        audit,
        title="Passerelle audit",
        description="Every service's events as published, their chains verified, for auditors.",
        routers=[*routers, metrics_router(audit)],
        health_detail=chains_detail(audit),
    )
