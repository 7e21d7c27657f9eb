"""A service's problem+json, as sentences a caseworker can act on, next to the field concerned.

The sentences are English message ids, translated when the page is rendered; `N_` only marks
them for the catalogue extraction."""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark `message` for translation without translating it here."""
    return message


class Term(str):
    """A message said in a context: the same English word that French or Arabic says
    differently by what it names ("accepted": a referral is "acceptée", a share "accepté")."""

    context: str


def pgettext(context: str, message: str) -> Term:
    """Mark `message` for translation in `context` without translating it here (the pages'
    `_` reads the context; `pybabel extract` finds it by this name)."""
    term = Term(message)
    term.context = context
    return term


FORM_EXPIRED = N_("This form has expired: reload the page and try again.")
NOT_FOUND = N_("Not found, or not visible to your organisation.")
NO_DEV_SIGN_IN = N_("There is no development sign-in here.")
NO_DEMO_USER = N_("No such demo user.")

PURPOSES = {
    "sms_reminders": N_("Reminders by SMS"),
    "share_with_partner": N_("Sharing with a partner"),
    "health_information": N_("Health information (for housing priority)"),
}
"""What a person may consent to, as the console names it."""

BY_TYPE = {
    "missing": N_("This is required."),
    "string_too_short": N_("This is too short."),
    "string_too_long": N_("This is too long."),
    "string_pattern_mismatch": N_("This contains characters that are not accepted."),
    "int_parsing": N_("Write a number."),
    "greater_than_equal": N_("This is out of the accepted range."),
    "less_than_equal": N_("This is out of the accepted range."),
    "extra_forbidden": N_("This field is not expected here."),
}
GENERAL = N_("The service refused this change. Check the form and try again.")
BY_STATUS = {
    403: N_("Your role does not allow this."),
    404: NOT_FOUND,
    409: N_("This cannot be done in the current state."),
    413: N_("This is too large."),
}


def field_errors(status: int, problem: dict[str, Any], fields: set[str]) -> dict[str, str]:
    """One sentence per form field the problem names (its last `loc` part), and one under
    `""` for what concerns the form as a whole."""
    found: dict[str, str] = {}
    for error in problem.get("errors") or []:
        loc = [str(part) for part in error.get("loc", [])]
        field = next((part for part in reversed(loc) if part in fields), "")
        message = BY_TYPE.get(str(error.get("type")), N_("This value is not accepted."))
        found.setdefault(field, message)
    if not found:
        found[""] = BY_STATUS.get(status, GENERAL)
    return found
