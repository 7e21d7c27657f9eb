"""What the reception centre's pages decide without asking anyone: the words for a room's
refusal and a check-out's reason, a refusal's sentence, a renewal's countdown, a household as
the rooms query reads it, a coordinator's split as its form sends it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from services.console.domain.problems import GENERAL, N_, field_errors, pgettext

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
ONLY_COORDINATOR_SPLITS = N_("Only a coordinator of the centre splits a household over rooms.")
SPLIT_REFUSALS = {
    "one_site": N_("The rooms of a split must be on one site."),
    "an_adult_in_each_room": N_("Each room of a split needs one of the household's adults."),
    "cot": N_("None of the rooms where the children would sleep has a cot."),
    "too_small": N_("These rooms have too few beds for the household."),
}
SPLIT_CODE = re.compile(r"cannot take the household: (?P<code>[a-z_]+)(?: \((?P<room>[^)]+)\))?")


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


def may_split(roles: str) -> bool:
    """Whether the user is offered to split a household (housing decides in the end)."""
    return "coordinator" in roles.split()


def room_query(placement: Mapping[str, Any], first_night: str, nights: int) -> dict[str, Any]:
    """What housing's room searches (`/rooms/availability`, `/rooms/splits`) ask of a
    placement's household."""
    return {
        "first_night": first_night,
        "nights": nights,
        "member": member_codes(placement["members"]),
        "accessible": placement["accessible"],
        "cot": placement["cot"],
        "women_only": placement["women_only"],
    }


def split_rooms(values: list[str]) -> list[dict[str, Any]] | None:
    """The rooms of a split as its form sends them (`room:bed,bed`), as housing reads them;
    None when one does not read."""
    rooms: list[dict[str, Any]] = []
    for value in values:
        room, _, beds = value.partition(":")
        try:
            room_id = str(uuid.UUID(room))
            bed_ids = [str(uuid.UUID(bed)) for bed in beds.split(",") if bed]
        except ValueError:
            return None
        rooms.append({"room_id": room_id, "bed_ids": bed_ids or None})
    return rooms


def split_refusal(status: int, problem: Mapping[str, Any]) -> dict[str, str]:
    """The sentences of housing's refusal of a split: beside the room that is why when one
    is, else beside the form (a bed taken first, a role that may not split, a rule broken)."""
    if status == 403:
        return {"": ONLY_COORDINATOR_SPLITS}
    found = SPLIT_CODE.search(str(problem.get("detail") or "")) if status == 422 else None
    if found is None:
        return refusal(status, problem, {"reason"})
    code, room = found["code"], found["room"]
    if room and code in ROOM_REFUSALS:
        return {room: ROOM_REFUSALS[code]}
    return {"": SPLIT_REFUSALS.get(code) or ROOM_REFUSALS.get(code) or GENERAL}
