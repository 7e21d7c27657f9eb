"""Notifications' HTTP routes, one module per resource (the webhooks join when the provider
is Twilio-compatible: see app.py)."""

from fastapi import APIRouter

from services.notifications.api.contacts import router as contacts_router
from services.notifications.api.messages import router as messages_router

router = APIRouter()
router.include_router(contacts_router)
router.include_router(messages_router)
