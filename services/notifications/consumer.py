"""What notifications listens to, and which handler applies each event type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.notifications.handlers import contacts, ledger
from services.notifications.handlers.appointments import appointment_handlers
from services.notifications.models import inbox_table, parked_table
from shared.consumer import ConsumerConfig
from shared.events import casework, intake, notifications

if TYPE_CHECKING:
    from services.notifications.container import Notifications


def consumers(service: Notifications) -> list[ConsumerConfig]:
    """Three consumers: contacts (intake), appointments (casework), and the ledger (the
    service's own events, read back so that a rebuilt database knows what was sent)."""
    languages = contacts.Languages(service.keys)
    return [
        ConsumerConfig(
            name="notifications.contacts",
            topics=[intake.TOPIC],
            handlers={
                intake.PersonRegistered.TYPE: contacts.on_person_registered(languages),
                intake.PersonUpdated.TYPE: contacts.on_person_updated(languages),
                intake.ConsentGiven.TYPE: contacts.on_consent_given,
                intake.ConsentWithdrawn.TYPE: contacts.on_consent_withdrawn,
                intake.PersonErased.TYPE: contacts.on_person_erased(service.keys),
            },
            inbox=inbox_table,
            parked=parked_table,
            prepare=languages.prefetch,  # the keys, before the transaction opens
        ),
        ConsumerConfig(
            name="notifications.appointments",
            topics=[casework.TOPIC],
            handlers=appointment_handlers(service),
            inbox=inbox_table,
            parked=parked_table,
        ),
        ConsumerConfig(
            name="notifications.ledger",
            topics=[notifications.TOPIC],
            handlers={
                notifications.SmsSent.TYPE: ledger.on_sms_sent,
                notifications.SmsDelivered.TYPE: ledger.on_sms_delivered,
                notifications.SmsFailed.TYPE: ledger.on_sms_failed,
                notifications.OptedOut.TYPE: ledger.on_opted_out,
                notifications.OptedIn.TYPE: ledger.on_opted_in,
            },
            inbox=inbox_table,
            parked=parked_table,
        ),
    ]
