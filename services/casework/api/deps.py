"""What casework's routes receive: the signed-in roles and the few dependencies they use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.casework.container import Casework
from services.casework.domain.deadlines import RuleBook
from services.casework.domain.procedures import Catalogue
from shared.auth import Caseworker, Coordinator
from shared.keystore import KeyStoreClient
from shared.service import Now, Reading, Units, container_getter

_casework = container_getter(Casework)


def _keys(request: Request) -> KeyStoreClient:
    return _casework(request).keys


def _rules(request: Request) -> RuleBook:
    return _casework(request).rules


def _procedures(request: Request) -> Catalogue:
    return _casework(request).procedures


Keys = Annotated[KeyStoreClient, Depends(_keys)]
"""Intake's key store, which seals and unseals what is written about a person."""
Rules = Annotated[RuleBook, Depends(_rules)]
"""The deadline rules in force (read on each request: a test may give others)."""
Procedures = Annotated[Catalogue, Depends(_procedures)]
"""The procedures a case can follow."""

__all__ = [
    "Caseworker",
    "Coordinator",
    "Keys",
    "Now",
    "Procedures",
    "Reading",
    "Rules",
    "Units",
]
