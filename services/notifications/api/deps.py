"""What notifications' routes receive: the signed-in roles and the few dependencies they use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.notifications.container import Notifications
from services.notifications.domain.secrets import Secrets
from services.notifications.settings import NotificationsSettings
from shared.auth import Staff
from shared.service import Now, Reading, Reads, Units, provided

SecretsDep = Annotated[Secrets, Depends(provided(Notifications, lambda n: n.secrets))]
"""The service's own keys: the phone index of an inbound number, the seal of a reply's."""
SettingsDep = Annotated[
    NotificationsSettings, Depends(provided(Notifications, lambda n: n.settings))
]
"""The service's settings: the public URL and the provider's token the webhooks check."""

__all__ = ["Now", "Reading", "Reads", "SecretsDep", "SettingsDep", "Staff", "Units"]
