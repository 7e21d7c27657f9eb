"""What intake listens to: the answers of casework and housing to its referrals."""

from __future__ import annotations

from services.intake.handlers import answers
from services.intake.models import inbox_table, parked_table
from services.intake.queries.keys import KeyStore
from shared.consumer import ConsumerConfig, Subscriptions, subscribe
from shared.events import casework, housing

NAME = "intake.referral_answers"
TOPICS = [casework.TOPIC, housing.TOPIC]
SUBSCRIPTIONS: Subscriptions = {
    casework.ReferralAccepted.TYPE: answers.on_referral_accepted,
    casework.ReferralDeclined.TYPE: answers.on_referral_declined,
    housing.ReferralAccepted.TYPE: answers.on_referral_accepted,
    housing.ReferralDeclined.TYPE: answers.on_referral_declined,
}


def referral_answers_consumer(keys: KeyStore) -> ConsumerConfig:
    """The consumer that moves referrals as the partners' services answer them (a decline's
    reason is read with the person's key)."""
    return subscribe(NAME, TOPICS, SUBSCRIPTIONS, (inbox_table, parked_table), keys=keys)
