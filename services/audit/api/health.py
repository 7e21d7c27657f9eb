"""Audit's health: /readyz tells each chain's state (a break makes audit "degraded", never
unready: auditors must reach it most when a chain is broken), and /metrics for Prometheus."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from services.audit.container import Audit
from services.audit.queries.chains import chain_heads, chain_status
from shared.health import HealthDetail

METRICS = (
    ("audit_events_stored_total", "counter", "Events stored, per source.", "events"),
    ("audit_chain_breaks_total", "counter", "Breaks found in the chain, per source.", "breaks"),
    ("audit_chain_linked_seq", "gauge", "Sequence verified without a hole.", "linked_seq"),
    ("audit_chain_stored_seq", "gauge", "Highest sequence stored.", "stored_seq"),
)


def chains_detail(audit: Audit) -> HealthDetail:
    """What /readyz adds: each chain's state, and "degraded" while a chain is broken."""

    async def chains() -> Mapping[str, object]:
        async with audit.runtime.sessions() as session:
            return await chain_status(session, audit.sources)

    return chains


def metrics_router(audit: Audit) -> APIRouter:
    """/metrics: per source, events stored, breaks, verified and stored sequence."""
    router = APIRouter(tags=["health"])

    @router.get("/metrics", response_class=PlainTextResponse, include_in_schema=False)
    async def metrics() -> PlainTextResponse:
        async with audit.runtime.sessions() as session:
            heads = await chain_heads(session, audit.sources)
        lines = []
        for name, kind, text, attribute in METRICS:
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            lines += [f'{name}{{source="{h.source}"}} {getattr(h, attribute)}' for h in heads]
        name = "audit_chain_unverified_seqs"
        lines += [f"# HELP {name} Sequences stored beyond the verified head (a hole before)."]
        lines += [f"# TYPE {name} gauge"]
        lines += [f'{name}{{source="{h.source}"}} {h.stored_seq - h.linked_seq}' for h in heads]
        body = "\n".join(lines) + "\n"
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")

    return router
