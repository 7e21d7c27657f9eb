"""Notifications' container: what its use cases may receive. Nothing is wired here."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.domain.policy import Policy
from services.notifications.domain.texts import Templates
from services.notifications.providers.base import SmsProvider
from services.notifications.settings import NotificationsSettings
from shared.consumer import ConsumerRunner
from shared.crypto import MasterKey, blind_index, decrypt_field, encrypt_field
from shared.keystore import KeyStoreClient
from shared.service import ServiceContainer


class Secrets:
    """Notifications' own keys: a keyed hash of phone numbers (to match a STOP to a number
    without storing numbers in clear) and a key for numbers answered outside any person."""

    def __init__(self, master: MasterKey) -> None:
        self._index = master.derive("phone-index")
        self._answers = master.derive("answers")

    def phone_index(self, e164: str) -> str:
        """A keyed hash of a phone number."""
        return blind_index(self._index, e164)

    def seal_number(self, e164: str, key: str) -> str:
        """A number, encrypted for one answer."""
        return encrypt_field(self._answers, e164, aad=f"answer:{key}")

    def open_number(self, token: str, key: str) -> str:
        """The number an answer goes to."""
        return decrypt_field(self._answers, token, aad=f"answer:{key}")


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
