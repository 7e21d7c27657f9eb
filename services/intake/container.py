"""Intake's container: what its use cases may receive. Nothing is wired here."""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.queries.keys import KeyStore
from shared.service import ServiceContainer


@dataclass(kw_only=True)
class Intake(ServiceContainer):
    """The runtime and clock, the persons' keys, and the services that may fetch keys."""

    keys: KeyStore
    key_clients: frozenset[str] = frozenset()
