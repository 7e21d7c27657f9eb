"""Notifications' HTTP routes, one module per resource."""

from fastapi import APIRouter

from services.notifications.api.contacts import router as contacts_router
from services.notifications.api.messages import router as messages_router
from services.notifications.api.webhooks import router as webhooks_router

router = APIRouter()
router.include_router(contacts_router)
router.include_router(messages_router)
router.include_router(webhooks_router)
