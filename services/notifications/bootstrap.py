"""Wires notifications' parts; nothing is created at import time."""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from services.notifications.clock import Clock
from services.notifications.domain.plans import DEFAULT_OFFSETS, Offset
from services.notifications.domain.quiet import QuietHours
from services.notifications.domain.texts import Templates
from services.notifications.models import outbox_table
from services.notifications.providers.base import SmsProvider
from services.notifications.settings import NotificationsSettings
from shared.consumer import ConsumerRunner
from shared.crypto import MasterKey, blind_index, decrypt_field, encrypt_field
from shared.events.catalog import default_registry
from shared.keystore import KeyStoreClient, service_token
from shared.outbox import Metadata
from shared.runtime import Runtime, build_runtime
from shared.settings import load_settings
from shared.uow import UnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"
TEMPLATES = Path(__file__).parent / "templates.toml"


@dataclass(frozen=True)
class Policy:
    """When and how persons are reminded."""

    quiet: QuietHours = field(default_factory=QuietHours)
    offsets: dict[str, tuple[Offset, ...]] = field(default_factory=dict)
    cancellation_notice: bool = True
    contact_phones: dict[str, str] = field(default_factory=dict)
    default_contact_phone: str = "+33 1 00 00 00 00"
    max_attempts: int = 5
    retry_base: timedelta = timedelta(seconds=30)
    lease: timedelta = timedelta(minutes=2)
    send_interval: float = 1.0

    def contact_phone(self, organisation_id: str | None) -> str:
        """The number a person may call about a message of this organisation."""
        return self.contact_phones.get(organisation_id or "", self.default_contact_phone)


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


@dataclass
class Notifications:
    """Notifications' container."""

    runtime: Runtime
    keys: KeyStoreClient
    secrets: Secrets
    provider: SmsProvider
    templates: Templates
    policy: Policy
    clock: Clock
    settings: NotificationsSettings
    ledger: ConsumerRunner | None = None

    def unit_of_work(self, meta: Metadata) -> UnitOfWork:
        """A transaction whose events carry `meta` (who acted, in answer to what)."""
        runtime = self.runtime
        return UnitOfWork(runtime.sessions, runtime.outbox, meta, on_commit=runtime.relay.wake)

    async def close(self) -> None:
        """Release the provider, the key store's connections, then the runtime."""
        await self.provider.close()
        await self.keys.close()
        await self.runtime.close()


def provider_from(settings: NotificationsSettings) -> SmsProvider:
    """The SMS provider the settings name."""
    if settings.provider == "twilio":
        from services.notifications.providers.twilio import TwilioProvider

        twilio = settings.twilio
        http = httpx.AsyncClient(base_url=twilio.base_url, timeout=twilio.timeout_seconds)
        return TwilioProvider(
            http,
            twilio.account_sid,
            twilio.auth_token.get_secret_value(),
            twilio.sender,
            lookup=twilio.lookup,
        )
    if settings.provider == "smpp":
        from services.notifications.providers.smpp import SmppProvider

        smpp = settings.smpp
        return SmppProvider(
            smpp.host, smpp.port, smpp.system_id, smpp.password.get_secret_value(), smpp.source_addr
        )
    from services.notifications.providers.dev import FileProvider

    return FileProvider(settings.file_path)


def policy_from(settings: NotificationsSettings) -> Policy:
    """The reminder policy the settings describe."""
    offsets = {
        kind: tuple(offset_of(hours) for hours in sorted(set(hours_list), reverse=True))
        for kind, hours_list in settings.reminder_hours.items()
    }
    return Policy(
        quiet=QuietHours(start=settings.quiet_start, end=settings.quiet_end),
        offsets=offsets,
        cancellation_notice=settings.send_cancellation_notice,
        contact_phones=dict(settings.contact_phones),
        default_contact_phone=settings.default_contact_phone,
        max_attempts=settings.max_attempts,
        retry_base=timedelta(seconds=settings.retry_base_seconds),
        lease=timedelta(seconds=settings.lease_seconds),
        send_interval=settings.send_interval,
    )


def offset_of(hours: float) -> Offset:
    """A reminder `hours` before: the default ones keep their names (two_days, two_hours)."""
    before = timedelta(hours=hours)
    known = next((o for o in DEFAULT_OFFSETS if o.before == before), None)
    return known or Offset(f"h{hours:g}", before)


def bootstrap(
    settings: NotificationsSettings | None = None,
    *,
    key_store_http: httpx.AsyncClient | None = None,
    provider: SmsProvider | None = None,
) -> Notifications:
    """Build notifications from its settings (read from the environment when not given)."""
    from services.notifications.consumer import consumers

    settings = settings or load_settings(NotificationsSettings)
    runtime = build_runtime("notifications", settings, outbox_table, MIGRATIONS)
    http = key_store_http or httpx.AsyncClient(
        base_url=settings.key_store.url, timeout=settings.key_store.timeout_seconds
    )
    token = service_token("notifications", settings.key_store, settings.auth.jwt_secret)
    secret = base64.b64decode(settings.secret_key.get_secret_value())
    notifications = Notifications(
        runtime=runtime,
        keys=KeyStoreClient(http, token, cache_seconds=settings.key_store.cache_seconds),
        secrets=Secrets(MasterKey(secret)),
        provider=provider or provider_from(settings),
        templates=Templates.from_toml(TEMPLATES.read_text(encoding="utf-8")),
        policy=policy_from(settings),
        clock=Clock(settings.clock_start),
        settings=settings,
    )
    for config in consumers(notifications):
        runner = ConsumerRunner(
            dataclasses.replace(config, name=config.name + settings.consumer_group_suffix),
            default_registry(),
            runtime.sessions,
            settings.kafka_bootstrap_servers,
            outbox=runtime.outbox,
            on_commit=runtime.relay.wake,
        )
        runtime.consumers.append(runner)
        if config.name == "notifications.ledger":
            notifications.ledger = runner
    return notifications
