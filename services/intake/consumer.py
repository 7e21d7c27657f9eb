"""What intake listens to: the answers of casework (and later housing) to its referrals."""

from __future__ import annotations

from services.intake import handlers
from services.intake.models import inbox_table, parked_table
from shared.consumer import ConsumerConfig, Handler
from shared.events import casework

NAME = "intake.referral_answers"
TOPICS = [casework.TOPIC]
SUBSCRIPTIONS: dict[str, Handler] = {
    casework.ReferralAccepted.TYPE: handlers.on_referral_accepted,
}


def referral_answers_consumer() -> ConsumerConfig:
    """The consumer that moves referrals as the partners' services answer them."""
    return ConsumerConfig(
        name=NAME, topics=TOPICS, handlers=SUBSCRIPTIONS, inbox=inbox_table, parked=parked_table
    )
