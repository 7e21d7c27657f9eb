"""Notifications' FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications.api import router
from services.notifications.bootstrap import Notifications
from shared.runtime import base_app


def create_app(notifications: Notifications) -> FastAPI:
    """The notifications API: contacts, messages, the provider's webhooks, health."""
    app = base_app(
        notifications.runtime,
        title="Passerelle notifications",
        description="Appointment reminders by SMS, in the person's language, never at night.",
    )
    app.state.notifications = notifications
    app.include_router(router)
    return app
