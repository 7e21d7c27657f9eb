"""Wires notifications' parts; nothing is created at import time."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import httpx

from services.notifications.consumer import consumers
from services.notifications.container import Notifications
from services.notifications.domain.plans import DEFAULT_OFFSETS, Offset
from services.notifications.domain.policy import Policy
from services.notifications.domain.quiet import QuietHours
from services.notifications.domain.secrets import Secrets
from services.notifications.domain.texts import Templates
from services.notifications.models import outbox_table
from services.notifications.providers.base import SmsProvider
from services.notifications.providers.dev import FileProvider
from services.notifications.providers.smpp import SmppProvider
from services.notifications.providers.twilio import TwilioProvider
from services.notifications.sender import Sender
from services.notifications.settings import NotificationsSettings
from shared.clock import Clock
from shared.crypto import MasterKey
from shared.keystore import KeyStoreClient, service_token
from shared.runtime import build_runtime
from shared.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"
TEMPLATES = Path(__file__).parent / "templates.toml"


def provider_from(settings: NotificationsSettings) -> SmsProvider:
    """The SMS provider the settings name."""
    if settings.provider == "twilio":
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
        smpp = settings.smpp
        return SmppProvider(
            smpp.host, smpp.port, smpp.system_id, smpp.password.get_secret_value(), smpp.source_addr
        )
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
    settings = settings or load_settings(NotificationsSettings)
    clock = Clock(settings.clock_start)
    runtime = build_runtime("notifications", settings, outbox_table, MIGRATIONS, clock=clock)
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
        settings=settings,
    )
    for config in consumers(notifications.keys, notifications.policy, clock):
        runner = runtime.add_consumer(config)
        if config.name == "notifications.ledger":
            notifications.ledger = runner
    runtime.jobs.append(Sender(notifications).run)
    return notifications
