"""What the reception centre's pages decide without asking anyone: the words for a room's
refusal and a check-out's reason, a refusal's sentence, a renewal's countdown, a household as
the rooms query reads it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.console.domain.problems import N_, field_errors, pgettext

NO_LONGER_FREE = N_("These beds are no longer free: another household was given them first.")
WITHOUT_ORIENTATION = N_(
    "Leaving without an orientation breaks the continuity of shelter: a coordinator decides it."
)
ROOM_REFUSALS = {
    "kind": N_("the room's kind does not suit this household"),
    "accessibility": N_("the room is not accessible"),
    "cot": N_("the room has no cot"),
    "too_small": N_("not enough beds for the household"),
    "out_of_service": N_("a bed is out of service"),
    "not_free_every_night": N_("not free every night asked for"),
}
CHECK_OUT_REASONS = {
    "orientation": N_("orientation to another structure"),
    "social_housing": N_("social housing"),
    "left": N_("left"),
    "exclusion": N_("exclusion"),
}
APPLICATION_STATUSES = {
    "active": N_("active"),
    "lapsed": N_("lapsed"),
    "closed": N_("closed"),
}
OUTCOMES = {
    "pending": N_("awaiting an answer"),
    "accepted": pgettext("proposal", "accepted"),
    "refused": pgettext("proposal", "refused"),
}
SEXES = {"f": "f", "m": "m"}


def refusal(status: int, problem: Mapping[str, Any], fields: set[str]) -> dict[str, str]:
    """The sentences of housing's refusal beside the form: a bed taken first, a check-out
    only a coordinator may record, or what the problem names."""
    detail = str(problem.get("detail") or "")
    if status == 409 and "no longer free" in detail:
        return {"": NO_LONGER_FREE}
    if status == 403 and detail.startswith("Leaving without an orientation"):
        return {"": WITHOUT_ORIENTATION}
    return field_errors(status, dict(problem), fields)


def days_left(due: str | date, today: date) -> int:
    """Days from today to a due date (negative once it has passed)."""
    return ((date.fromisoformat(due) if isinstance(due, str) else due) - today).days


def member_codes(members: list[Mapping[str, Any]]) -> list[str]:
    """The household as the rooms query reads it: `34f`, `8m`, `u` (age and sex unknown)."""
    codes = []
    for member in members:
        age = member.get("age")
        codes.append(f"{age if age is not None else ''}{SEXES.get(str(member.get('sex')), 'u')}")
    return codes


def household(placement: Mapping[str, Any]) -> dict[str, Any]:
    """The household an offer is made to, from its placement request."""
    return {
        "members": [{"age": m.get("age"), "sex": m.get("sex")} for m in placement["members"]],
        "accessible": placement["accessible"],
        "cot": placement["cot"],
        "women_only": placement["women_only"],
    }
