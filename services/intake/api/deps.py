"""What intake's routes receive: the signed-in roles and the few dependencies they use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.intake.container import Intake
from services.intake.queries.keys import KeyStore
from shared.auth import Coordinator, Principal, Staff, require_roles
from shared.service import Now, Reading, Reads, Units, provided

Keys = Annotated[KeyStore, Depends(provided(Intake, lambda c: c.keys))]
"""The persons' key store."""
KeyClients = Annotated[frozenset[str], Depends(provided(Intake, lambda c: c.key_clients))]
"""The services that may fetch a person's key."""
Guardian = Annotated[Principal, Depends(require_roles("caseworker", "coordinator"))]
"""Who records consents given on a person's behalf."""
Eraser = Annotated[Principal, Depends(require_roles("intake", "coordinator"))]
"""Who may erase a person."""

__all__ = [
    "Coordinator",
    "Eraser",
    "Guardian",
    "KeyClients",
    "Keys",
    "Now",
    "Reading",
    "Reads",
    "Staff",
    "Units",
]
