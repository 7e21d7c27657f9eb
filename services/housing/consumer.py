"""What housing listens to, and which handler applies each event type."""

from __future__ import annotations

from services.housing.handlers import erasure, placements
from services.housing.models import inbox_table, parked_table
from shared.consumer import ConsumerConfig, Subscriptions, subscribe
from shared.events import intake
from shared.keystore import KeyStoreClient

NAME = "housing.intake"
TOPICS = [intake.TOPIC]
SUBSCRIPTIONS: Subscriptions = {
    intake.ReferralRequested.TYPE: placements.on_referral_requested,
    intake.HouseholdComposed.TYPE: placements.on_household_composed,
    intake.HouseholdDissolved.TYPE: placements.on_household_dissolved,
    intake.NeedsAssessed.TYPE: placements.on_needs_assessed,
    intake.PersonErased.TYPE: erasure.on_person_erased,
}


def intake_consumer(keys: KeyStoreClient, operator: str) -> ConsumerConfig:
    """The consumer of intake's events: referrals to emergency shelter, the households and
    nights without shelter their requests read, and erasures."""
    return subscribe(
        NAME, TOPICS, SUBSCRIPTIONS, (inbox_table, parked_table), keys=keys, operator=operator
    )
