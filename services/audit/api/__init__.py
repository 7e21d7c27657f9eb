"""Audit's HTTP routes for auditors (role `auditor`, GET only), one module per concept.

Each concept's module defines `router`; add it to `routers` below. The health routes
(/healthz, /readyz with each chain's state, /metrics) are in `health.py`, built by `app.py`."""

from fastapi import APIRouter, Depends

from services.audit.api.access import recorded_request
from services.audit.api.access import router as access_router
from services.audit.api.cases import router as cases_router
from services.audit.api.chains import router as chains_router
from services.audit.api.events import router as events_router
from services.audit.api.persons import router as persons_router
from services.audit.api.placements import router as placements_router

auditors = APIRouter(dependencies=[Depends(recorded_request)])
"""Every auditor's request is recorded in audit's chain once answered (a refusal too)."""
for concept in (
    events_router,
    persons_router,
    cases_router,
    placements_router,
    access_router,
    chains_router,
):
    auditors.include_router(concept)

routers: list[APIRouter] = [auditors]
"""The auditors' routers: events, persons, cases, placements, access, chains (in that order)."""
