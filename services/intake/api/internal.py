"""Routes for other services only: the key store of crypto-shredding."""

from __future__ import annotations

import base64
import uuid

import structlog
from fastapi import APIRouter, Response

from services.intake.api.deps import KeyClients, Keys, Now, Reads, Units
from services.intake.handlers import keys as handlers
from services.intake.schemas.keys import PersonKeyPublic
from shared.auth import CurrentPrincipal
from shared.web import Forbidden

router = APIRouter(prefix="/internal", tags=["internal: services only"])
log = structlog.stdlib.get_logger(__name__)


@router.get("/keys/{person_id}", response_model=PersonKeyPublic)
async def release_key(
    person_id: uuid.UUID,
    principal: CurrentPrincipal,
    units: Units,
    keys: Keys,
    key_clients: KeyClients,
    now: Now,
    reads: Reads,
    response: Response,
) -> PersonKeyPublic:
    """A person's data key, for a service authorised to decrypt their fields (410 once erased).

    Callers are service accounts (`sub` = `service:<name>`, role `service`) listed in
    `INTAKE_KEY_CLIENTS`; each release is recorded as an `intake.person_key_released` event."""
    service = principal.service_name
    if service is None or service not in key_clients:
        log.warning("key_release_refused", caller=principal.user_id, caller_org=principal.org)
        raise Forbidden("Only an authorised service may fetch a person's key.")
    response.headers["Cache-Control"] = "no-store"
    async with units(principal) as uow:
        data_key = await handlers.release_key(uow, keys, str(person_id), service, now)
        await uow.commit()
    log.info("key_released", service=service)
    reads.record(principal, "key_release", str(person_id), str(person_id))
    return PersonKeyPublic(person_id=str(person_id), key=base64.b64encode(data_key).decode())
