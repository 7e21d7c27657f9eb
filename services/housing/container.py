"""Housing's container: what its use cases may receive. Nothing is wired here."""

from __future__ import annotations

from dataclasses import dataclass

from services.housing.domain.plan import Plan
from shared.service import ServiceContainer


@dataclass(kw_only=True)
class Housing(ServiceContainer):
    """The runtime and clock, the centre's plan and its operating organisation."""

    plan: Plan
    operator: str
