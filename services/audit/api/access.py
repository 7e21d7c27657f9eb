"""Who accessed what: the access log of a person's data, and the record of every auditor's
request in audit's own chain (who asked what, and how it was answered)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import structlog
from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError

from services.audit.api.deps import Auditor, Now, Reading, Units
from services.audit.queries import persons
from services.audit.schemas.persons import AccessLog
from shared.auth import CurrentPrincipal
from shared.events.audit import AuditorRequest
from shared.web import ProblemError

router = APIRouter(prefix="/persons", tags=["access"])
log = structlog.get_logger(__name__)
MAX_RECORDED = 2000
"""A path or query longer than this is cut: an auditor's request is ids and dates."""


@router.get("/{person_id}/access", response_model=AccessLog)
async def access_log(person_id: uuid.UUID, principal: Auditor, session: Reading) -> AccessLog:
    """Who read the person's data, when, through which route: intake's releases of their key
    and the reads of their file, notes and exports each service recorded."""
    return await persons.access_log(session, str(person_id))


async def recorded_request(
    request: Request, principal: CurrentPrincipal, units: Units, now: Now
) -> AsyncIterator[None]:
    """Record the request in audit's chain once it is answered: who (an auditor, or anyone
    refused), the method, path and query (ids and dates), and the status answered."""
    status = 200
    try:
        yield
    except BaseException as exc:
        status = status_of(exc)
        raise
    finally:
        event = AuditorRequest(
            actor=principal.user_id,
            actororg=principal.org,
            method=request.method,
            path=request.url.path[:MAX_RECORDED],
            query=request.url.query[:MAX_RECORDED],
            at=now,
            status=status,
        )
        async with units(principal) as uow:
            uow.record(event)
            await uow.commit()
        log.info("audit.auditor_request", method=request.method, status=status)


def status_of(exc: BaseException) -> int:
    """The status an exception is answered with."""
    if isinstance(exc, ProblemError):
        return exc.status
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    return 500
