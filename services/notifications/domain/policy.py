"""When and how persons are reminded: the policy the settings describe."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from services.notifications.domain.plans import Offset
from services.notifications.domain.quiet import QuietHours


@dataclass(frozen=True)
class Policy:
    """When and how persons are reminded."""

    quiet: QuietHours = field(default_factory=QuietHours)
    offsets: dict[str, tuple[Offset, ...]] = field(default_factory=dict)
    cancellation_notice: bool = True
    contact_phones: dict[str, str] = field(default_factory=dict)
    default_contact_phone: str = "+33 1 00 00 00 00"
    max_attempts: int = 5
    retry_base: timedelta = timedelta(seconds=30)
    lease: timedelta = timedelta(minutes=2)
    send_interval: float = 1.0

    def contact_phone(self, organisation_id: str | None) -> str:
        """The number a person may call about a message of this organisation."""
        return self.contact_phones.get(organisation_id or "", self.default_contact_phone)
