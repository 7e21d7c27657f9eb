"""The persons pages' own rules: what a caseworker may be offered, which details a form changes,
intake's refusals as sentences, and the names of intake's codes in the user's language."""

from __future__ import annotations

from typing import Any

from services.console.domain.problems import N_, field_errors, pgettext

ERASED = "[erased]"
"""The name intake answers for a person whose data was erased."""

SERVICES = {
    "legal_support": N_("Legal support"),
    "administrative_help": N_("Administrative help"),
    "french_course": N_("French course"),
    "forum": N_("Forum"),
    "emergency_shelter": N_("Emergency shelter"),
    "social_housing_support": N_("Social housing support"),
    "health_access": N_("Access to health care"),
}
"""The services a partner provides, as intake names them."""

STATUSES = {
    "requested": N_("requested"),
    "accepted": pgettext("referral", "accepted"),
    "declined": pgettext("referral", "declined"),
    "completed": pgettext("referral", "completed"),
    "revoked": pgettext("referral", "revoked"),
}
"""Where a referral stands."""

SITUATIONS = {
    "unknown": N_("Unknown"),
    "asylum_seeker": N_("Asylum seeker"),
    "refugee": N_("Refugee"),
    "subsidiary_protection": N_("Subsidiary protection"),
    "residence_permit": N_("Residence permit"),
    "undocumented": N_("Undocumented"),
    "eu_citizen": N_("EU citizen"),
    "stateless": N_("Stateless"),
    "other": N_("Other"),
}
"""The administrative situation a person declares."""

NEEDS = {
    **SERVICES,
    "food_aid": N_("Food aid"),
    "schooling": N_("Schooling"),
    "employment": N_("Employment"),
    "other": N_("Other"),
}
URGENCIES = {"routine": N_("routine"), "soon": N_("soon"), "urgent": N_("urgent")}
RELATIONSHIPS = {
    "partner": N_("partner"),
    "child": N_("child"),
    "parent": N_("parent"),
    "sibling": N_("brother or sister"),
    "grandchild": N_("grandchild"),
    "other_relative": N_("other relative"),
    "other": N_("other"),
}
REASONS = {
    "same phone": N_("same phone"),
    "similar name": N_("similar name"),
    "compatible birth years": N_("compatible years of birth"),
}
"""Why intake suggests a duplicate (a similar name comes with its score, dropped here)."""

DETAILS = ("chosen_name", "phone", "preferred_language", "birth_year", "administrative_situation")
"""The details the console's form changes."""

COORDINATOR_ONLY = N_("Only a coordinator may export or erase a person's data.")
NOT_CONFIRMED = N_("Tick the box to confirm.")

REFUSALS = {
    "the partner does not provide this service": (
        "refer_service",
        N_("This partner does not provide this service."),
    ),
    "no consent to share with this partner": (
        "refer_partner",
        N_("The person has not consented to sharing with this partner: record that consent first."),
    ),
    "a legal hold blocks erasure": (
        "erase",
        N_("A legal hold blocks the erasure until it is lifted."),
    ),
    "the person is erased": ("", N_("This person's data was erased.")),
    "the two records belong to different households": (
        "merge",
        N_("The two records belong to different households: change the household first."),
    ),
    "a record cannot be merged with itself": (
        "merge",
        N_("A record cannot be merged with itself."),
    ),
    "this merge was split already": ("", N_("This merge was undone already.")),
    "the household changed since": (
        "",
        N_("The household changed meanwhile: read it again and repeat your change."),
    ),
    "this legal hold was lifted already": ("", N_("This legal hold was lifted already.")),
    "Only the organisation that registered this person": (
        "",
        N_("Only the organisation that registered this person may change their file."),
    ),
}
"""Intake's refusals a caseworker can act on, by the start of intake's sentence: the form field
the sentence goes beside, and the sentence."""


def may_export_and_erase(roles: str) -> bool:
    """Only coordinators export a person's data or erase it (the console offers it to no one
    else, even where intake would accept it)."""
    return "coordinator" in roles.split()


def may_change(person: dict[str, Any], organisation_id: str, roles: str) -> bool:
    """The person's file is the user's organisation's to change (a partner the person was
    referred to only reads it), or the user is a coordinator."""
    return person.get("organisation_id") == organisation_id or "coordinator" in roles.split()


def is_erased(person: dict[str, Any]) -> bool:
    """The person's data was erased: intake answers a placeholder name and nothing else."""
    return person.get("chosen_name") == ERASED


def changes(person: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    """The details the form changes: those that differ from the person's, an emptied field
    cleared (the chosen name cannot be), so a change made meanwhile elsewhere stays."""
    found: dict[str, Any] = {}
    for name in DETAILS:
        value = given.get(name, "").strip()
        current = person.get(name)
        if value == ("" if current is None else str(current)):
            continue
        found[name] = value if value or name == "chosen_name" else None
    return found


def refusal(
    status: int, problem: dict[str, Any], fields: dict[str, str], action: str
) -> dict[str, str]:
    """Intake's refusal as sentences: beside the form field named by `fields` (intake's field
    -> the form's), and under `action` for what concerns the form as a whole."""
    detail = str(problem.get("detail") or "")
    for start, (field, sentence) in REFUSALS.items():
        if detail.startswith(start):
            return {field or action: sentence}
    if "invalid: " in detail:  # a change that would leave the person invalid, by field
        named = [name for name in fields if name in detail.split("invalid: ", 1)[1]]
        if named:
            return {fields[named[0]]: N_("This value is not accepted.")}
    found = field_errors(status, problem, set(fields))
    return {(fields.get(key) or action): sentence for key, sentence in found.items()}


def reasons(given: list[str]) -> list[str]:
    """Why a duplicate is suggested, as the console names it."""
    return [REASONS.get(reason.split(" (")[0], reason) for reason in given]


def offered_services(partners: list[dict[str, Any]]) -> dict[str, list[str]]:
    """For each partner, the services it provides, in the order the console lists them."""
    return {p["id"]: [s for s in SERVICES if s in p.get("services", [])] for p in partners}


def member(relationship: str, birth_year: str, dependant: bool) -> dict[str, Any]:
    """A household member described by relation and age only, as the form gives it."""
    described: dict[str, Any] = {"relationship": relationship, "dependant": dependant}
    if birth_year.strip():
        described["birth_year"] = birth_year.strip()
    return described


def members_kept(household: dict[str, Any]) -> list[dict[str, Any]]:
    """The household's members as intake takes them back when the composition is replaced."""
    kept = ("person_id", "relationship", "dependant", "birth_date", "birth_year", "flags")
    return [{key: m[key] for key in kept if m.get(key) is not None} for m in household["members"]]
