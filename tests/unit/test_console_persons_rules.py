"""The persons pages' pure rules: which details a form changes, intake's refusals as sentences
beside the right field, who is offered the export and erasure."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from services.console.domain import persons as rules
from services.console.rendering import catalogue

CONSOLE = Path(rules.__file__).resolve().parents[1]

PERSON = {
    "chosen_name": "Yonas",
    "phone": "+33612345678",
    "preferred_language": None,
    "birth_year": 1990,
    "administrative_situation": None,
}


def test_only_the_details_that_differ_are_sent() -> None:
    given = {
        "chosen_name": "Yonas",
        "phone": "+33612345678",
        "preferred_language": "ti",
        "birth_year": "1990",
        "administrative_situation": "",
    }
    assert rules.changes(PERSON, given) == {"preferred_language": "ti"}


def test_an_emptied_field_is_cleared_but_the_chosen_name_is_sent_as_typed() -> None:
    given = {"chosen_name": "", "phone": "", "birth_year": "1990"}
    assert rules.changes(PERSON, given) == {"chosen_name": "", "phone": None}


def test_a_refusal_intake_explains_goes_beside_its_field() -> None:
    problem = {"status": 409, "detail": "the partner does not provide this service"}
    fields = {"partner_id": "refer_partner", "service": "refer_service"}
    assert rules.refusal(409, problem, fields, "refer") == {
        "refer_service": "This partner does not provide this service."
    }
    consent = {"detail": "no consent to share with this partner: a coordinator may override"}
    assert list(rules.refusal(409, consent, fields, "refer")) == ["refer_partner"]


def test_a_validation_error_goes_beside_the_forms_field_and_the_rest_beside_the_action() -> None:
    problem = {"errors": [{"loc": ["body", "reason"], "type": "string_too_short"}]}
    assert rules.refusal(422, problem, {"reason": "split-1"}, "split-1") == {
        "split-1": "This is too short."
    }
    other = {"detail": "something intake says"}
    assert rules.refusal(409, other, {}, "erase") == {
        "erase": "This cannot be done in the current state."
    }


def test_a_change_that_would_leave_the_person_invalid_names_its_field() -> None:
    problem = {"detail": "the change would leave the person invalid: phone: value_error"}
    fields = {name: name for name in rules.DETAILS}
    assert rules.refusal(422, problem, fields, "details") == {
        "phone": "This value is not accepted."
    }


def test_only_coordinators_are_offered_the_export_and_erasure() -> None:
    assert rules.may_export_and_erase("coordinator")
    assert not rules.may_export_and_erase("intake caseworker")


def test_duplicate_reasons_are_named_without_their_score() -> None:
    assert rules.reasons(["same phone", "similar name (0.93)"]) == ["same phone", "similar name"]


def test_a_household_keeps_its_members_as_intake_takes_them_back() -> None:
    household = {
        "members": [
            {
                "person_id": None,
                "relationship": "child",
                "dependant": True,
                "birth_date": None,
                "birth_year": 2019,
                "age": 7,
                "flags": None,
            }
        ]
    }
    assert rules.members_kept(household) == [
        {"relationship": "child", "dependant": True, "birth_year": 2019}
    ]
    assert rules.member("child", " 2020 ", False) == {
        "relationship": "child",
        "dependant": False,
        "birth_year": "2020",
    }


def test_every_message_of_the_persons_pages_is_translated_in_french_and_arabic() -> None:
    untranslated = {
        locale: [
            message
            for message, context in _persons_messages()
            if _said(locale, message, context) == message and message not in SAME_IN_FRENCH
        ]
        for locale in ("fr", "ar")
    }
    assert untranslated == {"fr": [], "ar": []}


SAME_IN_FRENCH = {"Forum", "Service", "parent", "urgent"}


def _said(locale: str, message: str, context: str | None) -> str:
    translations = catalogue(locale)
    if context is None:
        return translations.gettext(message)
    return translations.pgettext(context, message)


def _persons_messages() -> list[tuple[str, str | None]]:
    methods = [("**.py", "python"), ("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n"}}
    found: list[tuple[str, str | None]] = []
    for folder in (CONSOLE / "templates" / "persons", CONSOLE / "api", CONSOLE / "domain"):
        for name, _line, message, _comments, context in extract_from_dir(
            folder, methods, options_map=options
        ):
            ours = folder.name == "persons" or name.startswith("persons")
            if ours and isinstance(message, str):
                found.append((message, context))
    return found
