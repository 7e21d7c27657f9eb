"""When housing's SMS go: a bed offer's on the day it expires, out of quiet hours, and only
while it still matters; a renewal reminder at once (out of quiet hours) until its due date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.notifications.domain.messages import Status
from services.notifications.domain.quiet import QuietHours, next_allowed, require_aware
from services.notifications.domain.sending import NotNow

OFFER_KIND = "bed_offer"
RENEWAL_KIND = "renewal_due"
KINDS = (OFFER_KIND, RENEWAL_KIND)
OFFER_LEAD = timedelta(minutes=30)  # an offer's SMS arriving later than this is too late
CENTRE_ZONE = ZoneInfo("Europe/Paris")  # the reception centre's hours are written in it


def offer_key(offer_id: str) -> str:
    """The business key of a bed offer's SMS: one per offer, however often it is delivered."""
    return f"offer:{offer_id}"


def renewal_key(application_id: str, kind: str, due: date) -> str:
    """The business key of a renewal reminder: one per application, reminder kind and date."""
    return f"renewal:{application_id}:{kind}:{due.isoformat()}"


def offer_send_time(
    expires_at: datetime, now: datetime, zone: ZoneInfo, quiet: QuietHours
) -> datetime | None:
    """When a bed offer's SMS goes: now, or the start of the day it expires (it says
    "today"), moved out of quiet hours; None when that is too late for the offer."""
    expires_at, now = require_aware(expires_at, "expires_at"), require_aware(now, "now")
    that_day = datetime.combine(expires_at.astimezone(CENTRE_ZONE).date(), time(0), CENTRE_ZONE)
    sent = next_allowed(max(now, that_day), zone, quiet)
    return sent if sent + OFFER_LEAD <= expires_at else None


def renewal_ends_at(due: date) -> datetime:
    """The end of a renewal's due date in the centre: a reminder later than that is useless."""
    return datetime.combine(due + timedelta(days=1), time(0), CENTRE_ZONE)


def renewal_send_time(
    due: date, now: datetime, zone: ZoneInfo, quiet: QuietHours
) -> datetime | None:
    """When a renewal reminder goes: now, moved out of quiet hours; None after its due date."""
    sent = next_allowed(require_aware(now, "now"), zone, quiet)
    return sent if sent < renewal_ends_at(due) else None


def shown_at(kind: str, ends_at: datetime) -> datetime:
    """The instant a text writes: an offer's expiry hour, or noon of a renewal's due date."""
    if kind == OFFER_KIND:
        return ends_at
    due = ends_at.astimezone(CENTRE_ZONE).date() - timedelta(days=1)
    return datetime.combine(due, time(12), CENTRE_ZONE)


def check_notice(kind: str, ends_at: datetime, now: datetime) -> None:
    """NotNow when a housing SMS would arrive too late to matter."""
    lead = OFFER_LEAD if kind == OFFER_KIND else timedelta(0)
    if now + lead > ends_at:
        raise NotNow(Status.CLEARED, "too_late")
