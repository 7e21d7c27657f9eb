"""Dependencies shared by casework's routes: the container and the roles."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from services.casework.bootstrap import Casework
from services.casework.domain import Refused
from shared.auth import Principal, require_roles
from shared.web import Conflict


def _casework(request: Request) -> Casework:
    casework: Casework = request.app.state.casework
    return casework


CaseworkDep = Annotated[Casework, Depends(_casework)]
# the people who follow case files; auditors read history, not live files
Caseworker = Annotated[Principal, Depends(require_roles("caseworker", "coordinator"))]


@contextlib.contextmanager
def as_conflict() -> Iterator[None]:
    """A change the rules refuse becomes a 409 with the reason."""
    try:
        yield
    except Refused as exc:
        raise Conflict(str(exc)) from exc
