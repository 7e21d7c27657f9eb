"""What every SMS provider offers notifications: send, look up by our reference, close."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MAX_REFERENCE = 64


@dataclass(frozen=True)
class Outgoing:
    """One text to one number, under our idempotency key."""

    to: str  # E.164
    body: str
    reference: str  # e.g. "appt-123:two_days:r2"
    status_callback: str | None = None

    def __post_init__(self) -> None:
        if not self.reference or len(self.reference) > MAX_REFERENCE:
            raise ValueError(f"reference must be 1 to {MAX_REFERENCE} characters")


@dataclass(frozen=True)
class Accepted:
    """The provider took the message: its id and the status it reported."""

    provider_id: str
    status: str


@dataclass(frozen=True)
class Found:
    """A message the provider already has under our reference."""

    provider_id: str
    status: str


class ProviderError(Exception):
    """A send that did not succeed; `reason` is a short code without personal data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Retryable(ProviderError):
    """Nothing was accepted (5xx, throttling, no connection): sending again is safe."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Permanent(ProviderError):
    """Refused for good (invalid number, blocked, bad credentials): do not send again."""


class UnknownOutcome(ProviderError):
    """The provider may have accepted the message: look it up before any resend."""


class SmsProvider(Protocol):
    """An SMS gateway; `find` returns None when the provider cannot tell (`can_find` False)."""

    name: str
    can_find: bool

    async def send(self, message: Outgoing) -> Accepted: ...

    async def find(self, reference: str) -> Found | None: ...

    async def close(self) -> None: ...
