"""What casework's routes receive: the signed-in roles and the few dependencies they use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.casework.container import Casework
from services.casework.domain.deadlines import RuleBook
from services.casework.domain.procedures import Catalogue
from shared.auth import Caseworker, Coordinator
from shared.keystore import KeyStoreClient
from shared.service import Now, Reading, Reads, Units, provided

Keys = Annotated[KeyStoreClient, Depends(provided(Casework, lambda c: c.keys))]
"""Intake's key store, which seals and unseals what is written about a person."""
Rules = Annotated[RuleBook, Depends(provided(Casework, lambda c: c.rules))]
"""The deadline rules in force (read on each request: a test may give others)."""
Procedures = Annotated[Catalogue, Depends(provided(Casework, lambda c: c.procedures))]
"""The procedures a case can follow."""

__all__ = [
    "Caseworker",
    "Coordinator",
    "Keys",
    "Now",
    "Procedures",
    "Reading",
    "Reads",
    "Rules",
    "Units",
]
