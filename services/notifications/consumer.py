"""What notifications listens to, and which handler applies each event type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.notifications.domain.policy import Policy
from services.notifications.handlers import contacts, ledger
from services.notifications.handlers.appointments import appointment_handlers
from services.notifications.models import inbox_table, parked_table
from shared.consumer import ConsumerConfig, Handler
from shared.events import casework, intake, notifications
from shared.keystore import KeyStoreClient

LEDGER: dict[str, Handler] = {
    notifications.SmsSent.TYPE: ledger.on_sms_sent,
    notifications.SmsDelivered.TYPE: ledger.on_sms_delivered,
    notifications.SmsFailed.TYPE: ledger.on_sms_failed,
    notifications.OptedOut.TYPE: ledger.on_opted_out,
    notifications.OptedIn.TYPE: ledger.on_opted_in,
}
"""The service's own events, read back so that a rebuilt database knows what was sent."""


def contacts_consumer(keys: KeyStoreClient) -> ConsumerConfig:
    """Intake's persons and consents: who can be reached, how, and whether they agreed."""
    languages = contacts.Languages(keys)
    subscriptions: dict[str, Handler] = {
        intake.PersonRegistered.TYPE: contacts.on_person_registered(languages),
        intake.PersonUpdated.TYPE: contacts.on_person_updated(languages),
        intake.ConsentGiven.TYPE: contacts.on_consent_given,
        intake.ConsentWithdrawn.TYPE: contacts.on_consent_withdrawn,
        intake.PersonErased.TYPE: contacts.on_person_erased(keys),
    }
    return ConsumerConfig(
        name="notifications.contacts",
        topics=[intake.TOPIC],
        handlers=subscriptions,
        inbox=inbox_table,
        parked=parked_table,
        prepare=languages.prefetch,  # the keys, before the transaction opens
    )


def consumers(
    keys: KeyStoreClient, policy: Policy, clock: Callable[[], datetime]
) -> list[ConsumerConfig]:
    """Three consumers: contacts (intake), appointments (casework), and the ledger (the
    service's own events, read back so that a rebuilt database knows what was sent)."""
    return [
        contacts_consumer(keys),
        ConsumerConfig(
            name="notifications.appointments",
            topics=[casework.TOPIC],
            handlers=appointment_handlers(policy, clock),
            inbox=inbox_table,
            parked=parked_table,
        ),
        ConsumerConfig(
            name="notifications.ledger",
            topics=[notifications.TOPIC],
            handlers=dict(LEDGER),
            inbox=inbox_table,
            parked=parked_table,
        ),
    ]
