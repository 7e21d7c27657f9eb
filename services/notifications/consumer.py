"""What notifications listens to, and which handler applies each event type."""

from __future__ import annotations

from services.notifications import handlers
from services.notifications.models import inbox_table, parked_table
from shared.consumer import ConsumerConfig, Handler
from shared.events import intake

NAME = "notifications.contacts"
TOPICS = [intake.TOPIC]
SUBSCRIPTIONS: dict[str, Handler] = {
    intake.PersonRegistered.TYPE: handlers.on_person_registered,
    intake.PersonErased.TYPE: handlers.on_person_erased,
}


def contacts_consumer() -> ConsumerConfig:
    """The consumer that keeps the contact projection up to date."""
    return ConsumerConfig(
        name=NAME, topics=TOPICS, handlers=SUBSCRIPTIONS, inbox=inbox_table, parked=parked_table
    )
