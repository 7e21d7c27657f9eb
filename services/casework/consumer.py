"""What casework listens to, and which handler applies each event type."""

from __future__ import annotations

from services.casework import handlers
from services.casework.models import inbox_table, parked_table
from shared.consumer import ConsumerConfig, Handler
from shared.events import intake

NAME = "casework.referrals"
TOPICS = [intake.TOPIC]
# person_erased is not subscribed to yet: a case holds ids only, nothing to forget
SUBSCRIPTIONS: dict[str, Handler] = {
    intake.ReferralRequested.TYPE: handlers.on_referral_requested,
}


def referrals_consumer() -> ConsumerConfig:
    """The consumer that opens cases from the referrals partners receive."""
    return ConsumerConfig(
        name=NAME, topics=TOPICS, handlers=SUBSCRIPTIONS, inbox=inbox_table, parked=parked_table
    )
