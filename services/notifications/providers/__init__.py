"""SMS providers behind one interface: Twilio's HTTP API, an SMSC over SMPP, a dev file."""

from services.notifications.providers.base import (
    Accepted,
    Found,
    Outgoing,
    Permanent,
    ProviderError,
    Retryable,
    SmsProvider,
    UnknownOutcome,
)

__all__ = [
    "Accepted",
    "Found",
    "Outgoing",
    "Permanent",
    "ProviderError",
    "Retryable",
    "SmsProvider",
    "UnknownOutcome",
]
