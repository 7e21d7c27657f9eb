"""Notifications' FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications.api import router
from services.notifications.api.webhooks import router as webhooks_router
from services.notifications.bootstrap import Notifications
from shared.body_limit import install_body_limit
from shared.runtime import base_app


def create_app(notifications: Notifications) -> FastAPI:
    """The notifications API: contacts, messages, the provider's webhooks, health."""
    app = base_app(
        notifications.runtime,
        title="Passerelle notifications",
        description="Appointment reminders by SMS, in the person's language, never at night.",
    )
    app.state.notifications = notifications
    settings = notifications.settings
    install_body_limit(
        app, max_bytes=settings.max_body_bytes, limits=settings.body_limits_with_webhooks()
    )
    app.include_router(router)
    if notifications.settings.provider == "twilio":
        # the webhooks are signed with the Twilio-compatible provider's token: without that
        # provider there is nobody to trust, so there are no webhooks
        app.include_router(webhooks_router)
    return app
