"""Dependencies shared by intake's routes: the container and the roles."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from services.intake import domain
from services.intake.bootstrap import Intake
from shared.auth import Principal, require_roles
from shared.web import Conflict


def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


IntakeDep = Annotated[Intake, Depends(_intake)]
# the people who serve persons; auditors read history, not live files
Staff = Annotated[Principal, Depends(require_roles("intake", "caseworker", "coordinator"))]
Guardian = Annotated[Principal, Depends(require_roles("caseworker", "coordinator"))]
Eraser = Annotated[Principal, Depends(require_roles("intake", "coordinator"))]
Coordinator = Annotated[Principal, Depends(require_roles("coordinator", "admin"))]


@contextlib.contextmanager
def as_conflict() -> Iterator[None]:
    """A state change the rules refuse becomes a 409 with the reason."""
    try:
        yield
    except domain.Refused as exc:
        raise Conflict(str(exc)) from exc
