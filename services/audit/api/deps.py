"""What audit's routes receive: the auditor's role (read-only) and the few dependencies
they use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends

from services.audit.container import Audit
from shared.auth import Principal, require_roles
from shared.keystore import KeyStoreClient
from shared.service import Now, Reading, Units, provided

AUDITOR_ROLE = "auditor"

Auditor = Annotated[Principal, Depends(require_roles(AUDITOR_ROLE))]
"""A signed-in auditor (the city's inspection, a funder, the DPO, an expert): reads only;
every other role gets a 403 from every audit route but the health ones."""
Keys = Annotated[KeyStoreClient, Depends(provided(Audit, lambda a: a.keys))]
"""Intake's key store: a person's name is readable while their key exists."""
Sources = Annotated[Mapping[str, str], Depends(provided(Audit, lambda a: a.topics))]
"""The services whose chains audit keeps, and their topics."""

__all__ = ["AUDITOR_ROLE", "Auditor", "Keys", "Now", "Reading", "Sources", "Units"]
