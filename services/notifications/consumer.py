"""What notifications listens to, and which handler applies each event type."""

from __future__ import annotations

from typing import Any

from services.notifications.domain.policy import Policy
from services.notifications.handlers import appointments, contacts, housing, ledger
from services.notifications.models import inbox_table, parked_table
from shared.clock import Clock
from shared.consumer import ConsumerConfig, Subscriptions, subscribe
from shared.events import casework, intake, notifications
from shared.events import housing as housing_events
from shared.keystore import KeyStoreClient

CONTACTS: Subscriptions = {
    intake.PersonRegistered.TYPE: contacts.on_person_registered,
    intake.PersonUpdated.TYPE: contacts.on_person_updated,
    intake.ConsentGiven.TYPE: contacts.on_consent_given,
    intake.ConsentWithdrawn.TYPE: contacts.on_consent_withdrawn,
    intake.PersonErased.TYPE: contacts.on_person_erased,
}
"""Intake's persons and consents: who can be reached, how, and whether they agreed."""

APPOINTMENTS: Subscriptions = {
    casework.CaseTransferred.TYPE: appointments.on_case_transferred,
    casework.AppointmentScheduled.TYPE: appointments.on_scheduled,
    casework.AppointmentRescheduled.TYPE: appointments.on_scheduled,
    casework.AppointmentCancelled.TYPE: appointments.on_cancelled,
    casework.AppointmentAttended.TYPE: appointments.on_done,
    casework.AppointmentMissed.TYPE: appointments.on_done,
}
"""Casework's appointments: the reminders to plan, move or clear."""

HOUSING: Subscriptions = {
    housing_events.BedOffered.TYPE: housing.on_bed_offered,
    housing_events.OfferExpired.TYPE: housing.on_offer_expired,
    housing_events.RenewalDue.TYPE: housing.on_renewal_due,
}
"""Housing's bed offers and social housing renewals: the SMS to queue or clear."""

LEDGER: Subscriptions = {
    notifications.SmsSent.TYPE: ledger.on_sms_sent,
    notifications.SmsDelivered.TYPE: ledger.on_sms_delivered,
    notifications.SmsFailed.TYPE: ledger.on_sms_failed,
    notifications.OptedOut.TYPE: ledger.on_opted_out,
    notifications.OptedIn.TYPE: ledger.on_opted_in,
}
"""The service's own events, read back so that a rebuilt database knows what was sent."""


def consumers(keys: KeyStoreClient, policy: Policy, clock: Clock) -> list[ConsumerConfig]:
    """The four consumers, their handlers given the key store, the policy and the clock."""
    languages = contacts.Languages(keys)
    given: dict[str, Any] = {"keys": keys, "languages": languages, "policy": policy, "clock": clock}
    tables = (inbox_table, parked_table)
    return [
        subscribe(
            "notifications.contacts",
            [intake.TOPIC],
            CONTACTS,
            tables,
            prepare=languages.prefetch,  # the keys, before the transaction opens
            **given,
        ),
        subscribe("notifications.appointments", [casework.TOPIC], APPOINTMENTS, tables, **given),
        subscribe("notifications.housing", [housing_events.TOPIC], HOUSING, tables, **given),
        subscribe("notifications.ledger", [notifications.TOPIC], LEDGER, tables),
    ]
