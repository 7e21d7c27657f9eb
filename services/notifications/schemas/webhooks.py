"""What the provider's webhooks carry, once the signed form is read."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.domain.keywords import Intent


@dataclass(frozen=True)
class ReceiptCreate:
    """A delivery receipt: the provider's message id, the status it reports, and our
    reference when the callback URL carries it."""

    provider_id: str
    status: str
    error_code: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class InboundCreate:
    """An SMS from a person that asks something: the number (E.164), the provider's id of
    the SMS, and what it asks (stop or start, with the word used)."""

    sid: str
    number: str
    asked: Intent
