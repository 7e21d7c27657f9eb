"""What notifications' routes receive: the signed-in roles and the few dependencies they use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.notifications.container import Notifications
from services.notifications.domain.policy import Policy
from services.notifications.domain.secrets import Secrets
from services.notifications.settings import NotificationsSettings
from shared.auth import Staff
from shared.service import Now, Reading, Units, container_getter

_notifications = container_getter(Notifications)


def _secrets(request: Request) -> Secrets:
    return _notifications(request).secrets


def _policy(request: Request) -> Policy:
    return _notifications(request).policy


def _settings(request: Request) -> NotificationsSettings:
    return _notifications(request).settings


SecretsDep = Annotated[Secrets, Depends(_secrets)]
PolicyDep = Annotated[Policy, Depends(_policy)]
SettingsDep = Annotated[NotificationsSettings, Depends(_settings)]

__all__ = ["Now", "PolicyDep", "Reading", "SecretsDep", "SettingsDep", "Staff", "Units"]
