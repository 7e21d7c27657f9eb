"""The registry of every event contract the services exchange."""

from __future__ import annotations

from shared.events import access, audit, casework, checkpoints, housing, intake, notifications
from shared.events.registry import EventRegistry


def default_registry() -> EventRegistry:
    """A registry holding every producer's contracts (and upcasters, once versions change)."""
    return EventRegistry(
        [
            *intake.CONTRACTS,
            *casework.CONTRACTS,
            *notifications.CONTRACTS,
            *housing.CONTRACTS,
            *audit.CONTRACTS,
            *access.CONTRACTS,
            *checkpoints.CONTRACTS,
        ]
    )
