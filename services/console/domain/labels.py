"""How the console names the services' codes (service kinds, appointment kinds, SMS reminders
and their states) in the user's language: English message ids, translated when rendered."""

from __future__ import annotations

from services.console.domain.problems import N_

SERVICES = {
    "legal_support": N_("Legal support"),
    "administrative_help": N_("Administrative help"),
    "french_course": N_("French course"),
    "forum": N_("Forum"),
    "emergency_shelter": N_("Emergency shelter"),
    "social_housing_support": N_("Social housing support"),
    "health_access": N_("Access to health care"),
}
"""What a partner provides (intake's service kinds)."""

APPOINTMENTS = {
    "prefecture": N_("Prefecture"),
    "ofpra_interview": N_("OFPRA interview"),
    "cnda_hearing": N_("CNDA hearing"),
    "lawyer": N_("Lawyer"),
    "partner_office": N_("Partner's office"),
    "other": N_("Other"),
}
"""Who an appointment is with (casework's appointment kinds)."""

REMINDERS = {
    "two_days": N_("reminder two days before"),
    "two_hours": N_("reminder two hours before"),
}
"""Notifications' reminders, by the offset they are sent at."""

SMS_STATES = {
    "queued": N_("planned"),
    "sending": N_("being sent"),
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "undeliverable": N_("undeliverable"),
    "unknown": N_("unknown"),
    "cleared": N_("cancelled"),
    "blocked": N_("blocked (no consent, or STOP)"),
}
"""Where an SMS stands, as notifications says."""

SHARES = {
    "referral": N_("access to the case"),
    "transfer": N_("transfer of the case"),
}
"""What a case offer gives the partner."""


def label(table: dict[str, str], code: str | None) -> str:
    """The message id naming `code`, or the code itself when the console does not know it."""
    if code is None:
        return "—"
    return table.get(code, code)
