"""What casework listens to, and which handler applies each event type."""

from __future__ import annotations

from services.casework.handlers import projections, referrals
from services.casework.models import inbox_table, parked_table
from shared.consumer import ConsumerConfig, Subscriptions, subscribe
from shared.events import intake
from shared.keystore import KeyStoreClient

NAME = "casework.intake"
TOPICS = [intake.TOPIC]
SUBSCRIPTIONS: Subscriptions = {
    intake.PersonRegistered.TYPE: projections.on_person_registered,
    intake.ConsentGiven.TYPE: projections.on_consent_given,
    intake.ConsentWithdrawn.TYPE: projections.on_consent_withdrawn,
    intake.ReferralRequested.TYPE: referrals.on_referral_requested,
    intake.ReferralStatusChanged.TYPE: referrals.on_referral_status_changed,
    intake.PersonErased.TYPE: projections.on_person_erased,
}


def intake_consumer(keys: KeyStoreClient) -> ConsumerConfig:
    """The consumer of intake's events: persons, consents, referrals and erasures."""
    return subscribe(NAME, TOPICS, SUBSCRIPTIONS, (inbox_table, parked_table), keys=keys)
