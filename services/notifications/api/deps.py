"""Dependencies shared by notifications' routes: the container and the roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.notifications.bootstrap import Notifications
from shared.auth import Principal, require_roles


def _notifications(request: Request) -> Notifications:
    notifications: Notifications = request.app.state.notifications
    return notifications


NotificationsDep = Annotated[Notifications, Depends(_notifications)]
# the people who serve persons; auditors read history, not live files
Staff = Annotated[Principal, Depends(require_roles("intake", "caseworker", "coordinator"))]
