"""Case types and their status machines: the real catalogue, and the checks on new data."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from services.casework.domain.deadlines import RuleBook
from services.casework.domain.procedures import (
    Catalogue,
    InvalidTransition,
    Procedure,
    UnknownCaseType,
    UnknownStatus,
)

CATALOGUE_FILE = Path(__file__).parents[2] / "services/casework/rules/procedures.toml"
CATALOGUE = Catalogue.from_toml(CATALOGUE_FILE.read_text(encoding="utf-8"))

# Every rule of the shipped rule book is started by some step, except these, which are
# kept for caseworkers to know of but belong to no step yet.
RULE_BOOK = RuleBook.from_toml(
    (CATALOGUE_FILE.parent / "deadlines.toml").read_text(encoding="utf-8")
)
NOT_STARTED_BY_A_STEP = {
    "asylum.guda_appointment_surge",
    "asylum.cnda_hearing_notice",
    "residence.renewal_window_opens_outside_anef",
    "residence.rights_after_expiry",
}
RULE_IDS = set(RULE_BOOK.rule_ids()) - NOT_STARTED_BY_A_STEP

CASE_TYPES = {
    "asylum": "asylum",
    "asylum_dublin": "asylum",
    "cnda_appeal": "asylum",
    "residence_first": "residence",
    "residence_renewal": "residence",
    "ame": "health",
    "domiciliation": "domiciliation",
    "family_reunification": "family",
    "family_regroupement": "family",
    "naturalisation": "nationality",
    "dalo": "housing",
}

STATELESS = """
[[procedure]]
id = "stateless_status"
label = "Statelessness status (statut d'apatride)"
family = "asylum"
initial = "application_sent"

[[procedure.step]]
status = "application_sent"
label = "Application sent to OFPRA"

[[procedure.step]]
status = "decision_notified"
label = "OFPRA decision notified"
starts = ["stateless.appeal"]

[[procedure.step]]
status = "closed"
label = "Closed"
stops = ["stateless.appeal"]
final = true

[procedure.transitions]
application_sent = ["decision_notified", "closed"]
decision_notified = ["closed"]

[[procedure.document]]
id = "birth_certificate"
label = "Birth certificate"
"""


def _reachable(procedure: Procedure, start: set[str], backwards: bool = False) -> set[str]:
    """The statuses reachable from `start` by allowed moves (or by moves reversed)."""
    moves = {s.status: procedure.allowed(s.status) for s in procedure.steps}
    if backwards:
        moves = {s: tuple(src for src, to in moves.items() if s in to) for s in moves}
    seen, todo = set(start), list(start)
    while todo:
        for target in moves[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_every_case_type_the_issue_lists_exists_in_its_family() -> None:
    assert {i: CATALOGUE.get(i).family for i in CATALOGUE.ids()} == CASE_TYPES
    asylum = {step.status for step in CATALOGUE.get("asylum").steps}
    assert {
        "spada_pre_registered",
        "guda_registered_normal",
        "guda_registered_accelerated",
        "ofpra_file_sent",
        "ofpra_interviewed",
        "ofpra_decision_notified",
        "protection_granted",
        "protection_refused",
        "withdrawn",
        "closed",
    } <= asylum


def test_an_unknown_case_type_or_status_is_refused() -> None:
    with pytest.raises(UnknownCaseType, match="stateless_status"):
        CATALOGUE.get("stateless_status")
    with pytest.raises(UnknownStatus, match="'asylum' has no status 'lost'"):
        CATALOGUE.get("asylum").allowed("lost")
    with pytest.raises(UnknownStatus):
        CATALOGUE.get("asylum").check_transition("spada_pre_registered", "lost")


@pytest.mark.parametrize("case_type", sorted(CASE_TYPES))
def test_every_step_is_reachable_and_every_open_step_has_a_way_to_an_end(case_type: str) -> None:
    procedure = CATALOGUE.get(case_type)
    statuses = {step.status for step in procedure.steps}
    finals = {step.status for step in procedure.steps if step.final}
    assert procedure.initial not in finals
    assert _reachable(procedure, {procedure.initial}) == statuses
    assert _reachable(procedure, finals, backwards=True) == statuses
    for step in procedure.steps:
        assert bool(procedure.allowed(step.status)) is not step.final, step.status
    assert procedure.checklist, "every procedure has a document checklist"


def test_a_valid_move_returns_the_step_with_its_deadlines() -> None:
    asylum = CATALOGUE.get("asylum")
    refused = asylum.check_transition("ofpra_decision_notified", "protection_refused")
    assert refused.status == "protection_refused"
    assert refused.starts == ("asylum.cnda_appeal",)
    registered = asylum.check_transition("spada_pre_registered", "guda_registered_accelerated")
    assert registered.stops == ("asylum.guda_appointment",)
    assert "asylum.atda_first_accelerated" in registered.starts


def test_an_invalid_move_names_the_allowed_statuses() -> None:
    asylum = CATALOGUE.get("asylum")
    with pytest.raises(InvalidTransition) as caught:
        asylum.check_transition("spada_pre_registered", "protection_granted")
    allowed = (
        "guda_registered_normal",
        "guda_registered_accelerated",
        "dublin_procedure",
        "withdrawn",
    )
    assert (caught.value.current, caught.value.target) == (
        "spada_pre_registered",
        "protection_granted",
    )
    assert caught.value.allowed == allowed
    assert str(caught.value) == (
        "a case in spada_pre_registered cannot move to protection_granted; allowed: "
        + ", ".join(allowed)
    )


def test_a_closed_case_allows_nothing() -> None:
    asylum = CATALOGUE.get("asylum")
    assert asylum.step("closed").final
    assert asylum.allowed("closed") == ()
    with pytest.raises(InvalidTransition, match="allowed: none: the case is closed") as caught:
        asylum.check_transition("closed", "spada_pre_registered")
    assert caught.value.allowed == ()


def test_a_whole_asylum_procedure_can_be_followed_to_the_end() -> None:
    asylum = CATALOGUE.get("asylum")
    path = [
        asylum.initial,
        "guda_registered_normal",
        "ofpra_file_sent",
        "ofpra_interview_convened",
        "ofpra_interviewed",
        "certificate_renewed",
        "ofpra_decision_notified",
        "protection_refused",
        "cnda_appeal_lodged",
        "closed",
    ]
    for current, target in pairwise(path):
        asylum.check_transition(current, target)


def test_named_rules_are_the_deadline_rule_ids_and_all_of_them_are_started() -> None:
    assert CATALOGUE.referenced_rules() <= set(RULE_BOOK.rule_ids()), "a step names no rule"
    started = {r for i in CATALOGUE.ids() for s in CATALOGUE.get(i).steps for r in s.starts}
    assert started == RULE_IDS


@pytest.mark.parametrize("case_type", sorted(CASE_TYPES))
def test_a_procedure_only_stops_or_pauses_deadlines_it_starts(case_type: str) -> None:
    procedure = CATALOGUE.get(case_type)
    started = {rule for step in procedure.steps for rule in step.starts}
    for step in procedure.steps:
        assert step.rules() <= started, step.status


def test_the_legal_aid_request_pauses_the_cnda_appeal_month_and_lodging_meets_it() -> None:
    appeal = CATALOGUE.get("cnda_appeal")
    assert appeal.step(appeal.initial).starts == ("asylum.cnda_appeal",)
    requested = appeal.check_transition(appeal.initial, "legal_aid_requested")
    assert requested.suspends == ("asylum.cnda_appeal",)
    decided = appeal.check_transition("legal_aid_requested", "legal_aid_decided")
    assert decided.resumes == ("asylum.cnda_appeal",)
    lodged = appeal.check_transition("legal_aid_decided", "appeal_lodged")
    assert lodged.stops == ("asylum.cnda_appeal",)


def test_a_domiciliation_visit_restarts_the_three_months_and_can_repeat() -> None:
    domiciliation = CATALOGUE.get("domiciliation")
    visit = domiciliation.check_transition("granted", "visit_recorded")
    assert visit.interrupts == ("domiciliation.no_visit",)
    assert domiciliation.check_transition("visit_recorded", "visit_recorded") == visit
    assert domiciliation.step("ended_no_visit").final


def test_a_new_procedure_needs_only_data() -> None:
    catalogue = Catalogue.from_toml(STATELESS)
    stateless = catalogue.get("stateless_status")
    assert catalogue.ids() == ["stateless_status"]
    assert stateless.allowed("application_sent") == ("decision_notified", "closed")
    assert stateless.check_transition("application_sent", "decision_notified").starts == (
        "stateless.appeal",
    )
    assert [d.id for d in stateless.checklist] == ["birth_certificate"]
    assert catalogue.referenced_rules() == {"stateless.appeal"}
    with pytest.raises(InvalidTransition, match=r"allowed: closed$"):
        stateless.check_transition("decision_notified", "application_sent")


SECOND = STATELESS.replace('id = "stateless_status"', 'id = "second"')


def _with_transition(line: str) -> str:
    """The stateless procedure with one more line in its transitions table."""
    anchor = 'decision_notified = ["closed"]\n'
    return STATELESS.replace(anchor, anchor + line + "\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            STATELESS.replace('= ["closed"]', '= ["appealed"]'),
            "procedure 'stateless_status': transitions.decision_notified: unknown status "
            "'appealed'",
            id="unknown-target",
        ),
        pytest.param(
            _with_transition('appealed = ["closed"]'),
            "procedure 'stateless_status': transitions: unknown status 'appealed'",
            id="unknown-source",
        ),
        pytest.param(
            STATELESS.replace('initial = "application_sent"', 'initial = "sent"'),
            "procedure 'stateless_status': initial status 'sent' is not one of its steps",
            id="initial-not-a-step",
        ),
        pytest.param(
            STATELESS + SECOND.replace('id = "second"', 'id = "stateless_status"'),
            "duplicate procedure 'stateless_status'",
            id="duplicate-procedure",
        ),
        pytest.param(
            STATELESS.replace('status = "decision_notified"', 'status = "application_sent"'),
            "procedure 'stateless_status': duplicate step 'application_sent'",
            id="duplicate-step",
        ),
        pytest.param(
            STATELESS + '[[procedure.document]]\nid = "birth_certificate"\nlabel = "Again"\n',
            "procedure 'stateless_status': duplicate document 'birth_certificate'",
            id="duplicate-document",
        ),
        pytest.param(
            _with_transition('closed = ["application_sent"]'),
            "procedure 'stateless_status': final step 'closed' has transitions: application_sent",
            id="final-with-transitions",
        ),
        pytest.param(
            STATELESS.replace('decision_notified = ["closed"]', ""),
            "procedure 'stateless_status': step 'decision_notified' is not final and has no "
            "transitions",
            id="open-step-without-transitions",
        ),
        pytest.param(
            STATELESS.replace('["decision_notified", "closed"]', '["closed"]'),
            "procedure 'stateless_status': steps unreachable from 'application_sent': "
            "decision_notified",
            id="unreachable-step",
        ),
        pytest.param(
            STATELESS.replace(
                'decision_notified = ["closed"]', 'decision_notified = ["decision_notified"]'
            ),
            "procedure 'stateless_status': no final step can be reached from: decision_notified",
            id="loop-with-no-way-out",
        ),
        pytest.param(
            STATELESS.replace(
                '["decision_notified", "closed"]', '["decision_notified", "closed", "closed"]'
            ),
            "procedure 'stateless_status': transitions.application_sent: 'closed' is listed twice",
            id="target-listed-twice",
        ),
        pytest.param(
            STATELESS.replace('label = "OFPRA decision notified"\n', ""),
            "procedure 'stateless_status' step 'decision_notified': missing field 'label'",
            id="missing-field",
        ),
        pytest.param(
            STATELESS.replace('starts = ["stateless.appeal"]', 'start = ["stateless.appeal"]'),
            "procedure 'stateless_status' step 'decision_notified': unknown field(s) 'start'",
            id="misspelt-field",
        ),
        pytest.param(
            STATELESS.replace('starts = ["stateless.appeal"]', 'starts = "stateless.appeal"'),
            "procedure 'stateless_status' step 'decision_notified' starts: expected a list",
            id="rules-not-a-list",
        ),
        pytest.param(
            STATELESS.replace("final = true", 'final = "yes"'),
            "procedure 'stateless_status' step 'closed': 'final' must be true or false",
            id="final-not-a-boolean",
        ),
        pytest.param(
            STATELESS.replace('status = "closed"', 'status = "Closed case"'),
            "procedure 'stateless_status': 'Closed case' is not an id",
            id="status-not-an-id",
        ),
        pytest.param(
            STATELESS.replace('id = "stateless_status"\n', ""),
            "[[procedure]] #1: missing field 'id'",
            id="procedure-without-id",
        ),
        pytest.param("[procedure\n", "procedures: not valid TOML", id="not-toml"),
        pytest.param("", "procedures: no [[procedure]] table", id="empty"),
    ],
)
def test_bad_data_is_refused_with_the_procedure_and_field_at_fault(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"^procedures: ") as caught:
        Catalogue.from_toml(text)
    assert message in str(caught.value)


def test_a_second_procedure_can_sit_beside_the_first() -> None:
    catalogue = Catalogue.from_toml(STATELESS + SECOND)
    assert catalogue.ids() == ["second", "stateless_status"]
