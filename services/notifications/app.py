"""Notifications' FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications.api import router
from services.notifications.api.webhooks import router as webhooks_router
from services.notifications.container import Notifications
from shared.service import service_app


def create_app(notifications: Notifications) -> FastAPI:
    """The notifications API: contacts, messages, the provider's webhooks, health."""
    settings = notifications.settings
    # the webhooks are signed with the Twilio-compatible provider's token: without that
    # provider there is nobody to trust, so there are no webhooks
    webhooks = [webhooks_router] if settings.provider == "twilio" else []
    return service_app(
        notifications,
        title="Passerelle notifications",
        description="Appointment reminders by SMS, in the person's language, never at night.",
        routers=[router, *webhooks],
        body_limits=settings.body_limits_with_webhooks(),
    )
