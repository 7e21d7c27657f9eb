"""What intake's routes receive: the signed-in roles and the few dependencies they use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.intake.container import Intake
from services.intake.queries.keys import KeyStore
from shared.auth import Coordinator, Principal, Staff, require_roles
from shared.service import Now, Reading, Units, container_getter

_intake = container_getter(Intake)


def _keys(request: Request) -> KeyStore:
    return _intake(request).keys


def _key_clients(request: Request) -> frozenset[str]:
    return _intake(request).key_clients


Keys = Annotated[KeyStore, Depends(_keys)]
"""The persons' key store."""
KeyClients = Annotated[frozenset[str], Depends(_key_clients)]
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
    "Staff",
    "Units",
]
