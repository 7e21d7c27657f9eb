"""Notifications' container: what its use cases may receive. Nothing is wired here."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.domain.policy import Policy
from services.notifications.domain.secrets import Secrets
from services.notifications.domain.texts import Templates
from services.notifications.providers.base import SmsProvider
from services.notifications.settings import NotificationsSettings
from shared.consumer import ConsumerRunner
from shared.keystore import KeyStoreClient
from shared.service import ServiceContainer


@dataclass(kw_only=True)
class Notifications(ServiceContainer):
    """The runtime and clock, intake's key store, the service's own keys, the SMS provider,
    the message texts and the reminder policy."""

    keys: KeyStoreClient
    secrets: Secrets
    provider: SmsProvider
    templates: Templates
    policy: Policy
    settings: NotificationsSettings
    ledger: ConsumerRunner | None = None

    async def close(self) -> None:
        """Release the provider, the key store's connections, then the runtime."""
        await self.provider.close()
        await self.keys.close()
        await self.runtime.close()
