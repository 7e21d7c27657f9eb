"""Events published by the audit service on `audit.events`: the breaks it finds in the
services' chains, and every request an auditor makes (who asked what; ids only)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.events.base import Event

TOPIC = "audit.events"


class ChainBroken(Event):
    """A service's event chain is broken at `seq`: an event altered, forked, missing, badly
    linked, a checkpoint that does not verify, or a record that is no event at all."""

    TYPE = "audit.chain_broken.v1"
    AGGREGATE = "source"

    source: str = Field(description="the service whose chain is broken")
    seq: int = Field(description="where: the first sequence concerned (0 when unknown)")
    kind: str = Field(description="altered | bad_checkpoint | fork | bad_link | gap | malformed")
    detail: str = Field(description="what differs, without personal data")
    detected_at: datetime


class AuditorRequest(Event):
    """An auditor asked audit something: the request as made, and how it was answered."""

    TYPE = "audit.auditor_request.v1"
    AGGREGATE = "actor"

    actor: str
    actororg: str
    method: str
    path: str
    query: str = Field(description="the query string as sent (ids and dates, no personal data)")
    at: datetime
    status: int


CONTRACTS: tuple[type[Event], ...] = (ChainBroken, AuditorRequest)
