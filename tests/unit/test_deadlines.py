"""The deadline engine: DOMAIN.md's dated examples on the real rule file, the clock, the rules."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from services.casework.domain.deadlines import (
    ClockEvent,
    Computation,
    DeadlineRule,
    Delay,
    RuleBook,
    UnknownRule,
    add_months,
    add_working_days,
    compute,
    french_public_holidays,
)

RULES_FILE = Path(__file__).resolve().parents[2] / "services/casework/rules/deadlines.toml"


@pytest.fixture(scope="module")
def book() -> RuleBook:
    """The rule file the service ships, read the way its caller reads it."""
    return RuleBook.from_toml(RULES_FILE.read_text(encoding="utf-8"))


def deadline(book: RuleBook, rule_id: str, anchor: date, *clock: ClockEvent) -> Computation:
    """The deadline under the rule version in force on the anchor date."""
    return compute(book.applicable(rule_id, anchor), anchor, clock)


# Each row: rule id, anchor, expected due date; the id names the DOMAIN.md passage it comes from.
DATED_EXAMPLES = [
    # "CNDA appeal: 1 month from notification"; "A month runs ... if that day does not exist,
    # the last day of the month. Weekends are not skipped for CNDA delays."
    pytest.param(
        "asylum.cnda_appeal",
        date(2026, 1, 31),
        date(2026, 2, 28),
        id="Asylum/CNDA 1 month: 31 Jan -> 28 Feb (non-leap, a Saturday kept)",
    ),
    pytest.param(
        "asylum.cnda_appeal",
        date(2028, 1, 31),
        date(2028, 2, 29),
        id="Asylum/CNDA 1 month: 31 Jan -> 29 Feb (leap year)",
    ),
    pytest.param(
        "asylum.cnda_appeal",
        date(2026, 3, 31),
        date(2026, 4, 30),
        id="Asylum/CNDA 1 month: 31 Mar -> 30 Apr",
    ),
    pytest.param(
        "asylum.cnda_appeal",
        date(2026, 1, 15),
        date(2026, 2, 15),
        id="Asylum/CNDA 1 month: 15 Jan -> 15 Feb (a Sunday, not moved)",
    ),
    pytest.param(
        "asylum.cassation",
        date(2025, 12, 31),
        date(2026, 2, 28),
        id="Asylum/Cassation 2 months: 31 Dec -> 28 Feb",
    ),
    pytest.param(
        "asylum.cnda_hearing_notice",
        date(2026, 3, 2),
        date(2026, 1, 31),
        id="Asylum/CNDA hearing notice at least 30 days before",
    ),
    pytest.param(
        "asylum.dublin_transfer_appeal",
        date(2026, 2, 20),
        date(2026, 3, 7),
        id="Asylum/Dublin transfer appeal 15 days",
    ),
    # "GUDA appointment within 3 working days (10 in a surge)"
    pytest.param(
        "asylum.guda_appointment",
        date(2026, 4, 30),
        date(2026, 5, 6),
        id="Asylum/GUDA 3 working days: Thu 30 Apr, 1 May holiday + weekend -> Wed 6 May",
    ),
    pytest.param(
        "asylum.guda_appointment",
        date(2026, 4, 2),
        date(2026, 4, 8),
        id="Asylum/GUDA 3 working days: Thu 2 Apr, Easter Monday 6 Apr -> Wed 8 Apr",
    ),
    pytest.param(
        "asylum.guda_appointment",
        date(2026, 5, 13),
        date(2026, 5, 19),
        id="Asylum/GUDA 3 working days: Wed 13 May, Ascension 14 May -> Tue 19 May",
    ),
    # Fri 18 Dec: 21-24 Dec (4), 25 Dec holiday, 28-31 Dec (8), 1 Jan holiday, 4-5 Jan (10).
    pytest.param(
        "asylum.guda_appointment_surge",
        date(2026, 12, 18),
        date(2027, 1, 5),
        id="Asylum/GUDA surge 10 working days over Christmas and New Year",
    ),
    pytest.param(
        "asylum.join_accommodation",
        date(2026, 2, 26),
        date(2026, 3, 3),
        id="Asylum/GUDA not joining the accommodation within 5 days",
    ),
    # "ATDA: 10 months (normal) or 6 (accelerated), renewed every 6; Dublin: 1 month, then every 4"
    pytest.param(
        "asylum.atda_first_normal",
        date(2026, 3, 31),
        date(2027, 1, 31),
        id="Asylum/ATDA normal 10 months",
    ),
    pytest.param(
        "asylum.atda_first_accelerated",
        date(2026, 8, 31),
        date(2027, 2, 28),
        id="Asylum/ATDA accelerated 6 months: 31 Aug -> 28 Feb",
    ),
    pytest.param(
        "asylum.atda_renewal",
        date(2026, 2, 28),
        date(2026, 8, 28),
        id="Asylum/ATDA renewed every 6 months",
    ),
    pytest.param(
        "asylum.atda_dublin_first",
        date(2026, 1, 30),
        date(2026, 2, 28),
        id="Asylum/ATDA Dublin 1 month: 30 Jan -> 28 Feb",
    ),
    pytest.param(
        "asylum.atda_dublin_renewal",
        date(2026, 10, 31),
        date(2027, 2, 28),
        id="Asylum/ATDA Dublin renewed every 4 months",
    ),
    # "OFPRA form within 21 days; 8 days to complete; 9 months to reopen"; interview notice
    pytest.param(
        "asylum.ofpra_form",
        date(2026, 2, 10),
        date(2026, 3, 3),
        id="Asylum/OFPRA form within 21 days of registration",
    ),
    pytest.param(
        "asylum.ofpra_complete_file",
        date(2026, 3, 27),
        date(2026, 4, 4),
        id="Asylum/OFPRA 8 days to complete an incomplete file",
    ),
    pytest.param(
        "asylum.ofpra_reopen",
        date(2026, 5, 31),
        date(2027, 2, 28),
        id="Asylum/OFPRA 9 months to reopen: 31 May -> 28 Feb",
    ),
    pytest.param(
        "asylum.ofpra_interview_third_party",
        date(2026, 3, 5),
        date(2026, 2, 26),
        id="Asylum/OFPRA interview third party 7 days before",
    ),
    pytest.param(
        "asylum.ofpra_interview_third_party_accelerated",
        date(2026, 3, 2),
        date(2026, 2, 27),
        id="Asylum/OFPRA interview third party 3 days before (accelerated)",
    ),
    # "After a final refusal: leave ... about 1 month; with protection: 3 months"
    pytest.param(
        "asylum.leave_accommodation_refused",
        date(2026, 5, 31),
        date(2026, 6, 30),
        id="Asylum/Final refusal: leave the CADA/HUDA after 1 month",
    ),
    pytest.param(
        "asylum.leave_accommodation_protected",
        date(2026, 11, 30),
        date(2027, 2, 28),
        id="Asylum/Protection: leave the CADA/HUDA after 3 months",
    ),
    # Residence permit: "First application within 2 months of entry. Renewal between day 120
    # and day 60 before expiry (ANEF); otherwise within the 2 months before expiry." By hand:
    # 31 Dec - 30 days = 1 Dec (30), 1 Nov (60), 2 Oct (90), 2 Sep (120).
    pytest.param(
        "residence.renewal_window_opens",
        date(2026, 12, 31),
        date(2026, 9, 2),
        id="Residence/Renewal window opens day 120 before expiry",
    ),
    pytest.param(
        "residence.renewal_window_closes",
        date(2026, 12, 31),
        date(2026, 11, 1),
        id="Residence/Renewal window closes day 60 before expiry",
    ),
    pytest.param(
        "residence.renewal_window_opens_outside_anef",
        date(2026, 4, 30),
        date(2026, 2, 28),
        id="Residence/Renewal outside ANEF within 2 months before expiry: 30 Apr -> 28 Feb",
    ),
    pytest.param(
        "residence.first_application",
        date(2026, 6, 30),
        date(2026, 8, 30),
        id="Residence/First application within 2 months of entry",
    ),
    pytest.param(
        "residence.receipt_validity",
        date(2026, 11, 30),
        date(2027, 2, 28),
        id="Residence/Renewal receipt lasts 3 months",
    ),
    pytest.param(
        "residence.rights_after_expiry",
        date(2026, 5, 31),
        date(2026, 8, 31),
        id="Residence/Multi-year card: rights kept 3 months after expiry",
    ),
    # "AME: after more than 3 months of residence; granted for 1 year, renewed every year"
    pytest.param(
        "ame.eligibility",
        date(2025, 11, 30),
        date(2026, 2, 28),
        id="AME/3 months of residence: 30 Nov -> 28 Feb",
    ),
    pytest.param(
        "ame.renewal",
        date(2028, 2, 29),
        date(2029, 2, 28),
        id="AME/Renewed every year: 29 Feb 2028 -> 28 Feb 2029",
    ),
    # Domiciliation: "decision within 2 months; valid 1 year; ends ... more than 3 consecutive
    # months" without a visit
    pytest.param(
        "domiciliation.no_visit",
        date(2026, 1, 10),
        date(2026, 4, 10),
        id="Domiciliation/3 months without a visit: 10 Jan -> 10 Apr",
    ),
    pytest.param(
        "domiciliation.no_visit",
        date(2025, 11, 30),
        date(2026, 2, 28),
        id="Domiciliation/3 months without a visit: 30 Nov -> 28 Feb",
    ),
    pytest.param(
        "domiciliation.decision",
        date(2026, 12, 31),
        date(2027, 2, 28),
        id="Domiciliation/Decision within 2 months",
    ),
    pytest.param(
        "domiciliation.validity",
        date(2026, 2, 1),
        date(2027, 2, 1),
        id="Domiciliation/Valid 1 year",
    ),
    # Family reunification: "the prefect decides within 6 months; silence means refusal"
    pytest.param(
        "family.prefect_decision",
        date(2026, 8, 31),
        date(2027, 2, 28),
        id="Family reunification/Prefect decides within 6 months",
    ),
    # DALO: "decides within 3 months (silence = refusal, 2 months to appeal); offer within
    # 3 months (6 in Ile-de-France), then 4 months to go to court"
    pytest.param(
        "dalo.commission_decision",
        date(2026, 11, 30),
        date(2027, 2, 28),
        id="DALO/Commission decides within 3 months",
    ),
    pytest.param(
        "dalo.appeal_after_silence",
        date(2027, 2, 28),
        date(2027, 4, 28),
        id="DALO/2 months to appeal the silence",
    ),
    pytest.param(
        "dalo.offer_priority",
        date(2026, 5, 31),
        date(2026, 8, 31),
        id="DALO/Offer within 3 months",
    ),
    pytest.param(
        "dalo.offer_priority_idf",
        date(2026, 8, 31),
        date(2027, 2, 28),
        id="DALO/Offer within 6 months in Ile-de-France",
    ),
    pytest.param(
        "dalo.court_after_no_offer",
        date(2026, 10, 31),
        date(2027, 2, 28),
        id="DALO/4 months to go to court",
    ),
]


@pytest.mark.parametrize(("rule_id", "anchor", "due"), DATED_EXAMPLES)
def test_the_dated_examples_of_the_domain(
    book: RuleBook, rule_id: str, anchor: date, due: date
) -> None:
    computed = deadline(book, rule_id, anchor)
    assert computed.due == due
    assert (computed.rule_id, computed.anchor, computed.ignored) == (rule_id, anchor, ())


def test_the_computation_keeps_the_rule_version_and_its_legal_reference(book: RuleBook) -> None:
    computed = deadline(book, "asylum.cnda_appeal", date(2026, 3, 2))
    assert computed.rule_version == 1
    assert "L532-1" in computed.legal_reference


# --- CNDA legal aid: suspension (DOMAIN.md "A legal-aid request within 15 days ...") ---

NOTIFIED = date(2026, 3, 2)  # the month runs to 2 April


def test_legal_aid_asked_on_day_10_suspends_the_month_with_21_days_left(book: RuleBook) -> None:
    computed = deadline(
        book, "asylum.cnda_appeal", NOTIFIED, ClockEvent("suspended", date(2026, 3, 12))
    )
    assert computed.due is None
    assert computed.suspended_since == date(2026, 3, 12)
    assert computed.remaining_days == 21


def test_the_days_left_run_again_once_legal_aid_is_decided(book: RuleBook) -> None:
    computed = deadline(
        book,
        "asylum.cnda_appeal",
        NOTIFIED,
        ClockEvent("suspended", date(2026, 3, 12)),
        ClockEvent("resumed", date(2026, 5, 4)),
    )
    assert computed.due == date(2026, 5, 25)
    assert (computed.suspended_since, computed.remaining_days, computed.ignored) == (None, None, ())


@pytest.mark.parametrize(
    ("asked", "remaining"),
    [
        pytest.param(date(2026, 3, 2), 31, id="on the day of notification"),
        pytest.param(date(2026, 3, 17), 16, id="on day 15, the last day of the window"),
    ],
)
def test_the_15_day_window_includes_its_bounds(book: RuleBook, asked: date, remaining: int) -> None:
    computed = deadline(book, "asylum.cnda_appeal", NOTIFIED, ClockEvent("suspended", asked))
    assert (computed.due, computed.remaining_days) == (None, remaining)


def test_legal_aid_asked_on_day_20_does_not_suspend_and_says_so(book: RuleBook) -> None:
    late = ClockEvent("suspended", date(2026, 3, 22))
    decided = ClockEvent("resumed", date(2026, 5, 4))
    computed = deadline(book, "asylum.cnda_appeal", NOTIFIED, late, decided)
    assert computed.due == date(2026, 4, 2)
    assert computed.suspended_since is None
    assert computed.ignored == (late, decided)


def test_clock_events_count_in_date_order_whatever_order_they_come_in(book: RuleBook) -> None:
    resumed = ClockEvent("resumed", date(2026, 5, 4))
    suspended = ClockEvent("suspended", date(2026, 3, 12))
    computed = deadline(book, "asylum.cnda_appeal", NOTIFIED, resumed, suspended)
    assert computed.due == date(2026, 5, 25)


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(ClockEvent("resumed", date(2026, 3, 20)), id="resumed without a suspension"),
        pytest.param(ClockEvent("suspended", date(2026, 2, 27)), id="dated before the anchor"),
    ],
)
def test_an_event_that_cannot_count_is_ignored_and_kept(book: RuleBook, event: ClockEvent) -> None:
    computed = deadline(book, "asylum.cnda_appeal", NOTIFIED, event)
    assert computed.due == date(2026, 4, 2)
    assert computed.ignored == (event,)


def test_a_second_suspension_while_suspended_is_ignored(book: RuleBook) -> None:
    again = ClockEvent("suspended", date(2026, 3, 14))
    computed = deadline(
        book, "asylum.cnda_appeal", NOTIFIED, ClockEvent("suspended", date(2026, 3, 12)), again
    )
    assert (computed.remaining_days, computed.ignored) == (21, (again,))


def test_a_suspension_after_the_due_date_is_ignored() -> None:
    rule = _one_rule(delay='{ amount = 5, unit = "days" }', window='{ amount = 15, unit = "days" }')
    late = ClockEvent("suspended", date(2026, 3, 10))
    computed = compute(rule, date(2026, 3, 2), [late])
    assert (computed.due, computed.ignored) == (date(2026, 3, 7), (late,))


# --- Domiciliation: a visit interrupts the 3 months (DOMAIN.md "track the last visit") ---


def test_a_visit_restarts_the_three_months(book: RuleBook) -> None:
    visit = ClockEvent("interrupted", date(2026, 3, 1))
    computed = deadline(book, "domiciliation.no_visit", date(2026, 1, 10), visit)
    assert (computed.anchor, computed.due) == (date(2026, 3, 1), date(2026, 6, 1))


def test_each_visit_restarts_the_three_months(book: RuleBook) -> None:
    visits = [
        ClockEvent("interrupted", date(2026, 3, 1)),
        ClockEvent("interrupted", date(2026, 5, 31)),
    ]
    computed = deadline(book, "domiciliation.no_visit", date(2026, 1, 10), *visits)
    assert computed.due == date(2026, 8, 31)


def test_a_visit_after_the_domiciliation_ended_does_not_revive_it(book: RuleBook) -> None:
    late = ClockEvent("interrupted", date(2026, 4, 11))
    computed = deadline(book, "domiciliation.no_visit", date(2026, 1, 10), late)
    assert (computed.due, computed.ignored) == (date(2026, 4, 10), (late,))


def test_a_rule_without_a_window_cannot_be_suspended(book: RuleBook) -> None:
    pause = ClockEvent("suspended", date(2026, 1, 12))
    computed = deadline(book, "domiciliation.no_visit", date(2026, 1, 10), pause)
    assert (computed.due, computed.ignored) == (date(2026, 4, 10), (pause,))


# --- Calendar arithmetic ---


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2027, 1, 31), -2, date(2026, 11, 30)),
        (date(2026, 1, 31), -13, date(2024, 12, 31)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_the_month(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_the_eleven_public_holidays_of_2026() -> None:
    assert french_public_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 6),  # Easter Monday (Easter: 5 April)
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    }


@pytest.mark.parametrize(
    "easter_monday",
    [date(2024, 4, 1), date(2025, 4, 21), date(2027, 3, 29), date(2028, 4, 17), date(2038, 4, 26)],
)
def test_easter_monday_moves_with_easter(easter_monday: date) -> None:
    assert easter_monday in french_public_holidays(easter_monday.year)


def test_working_days_count_backwards_over_a_holiday_and_a_weekend() -> None:
    assert add_working_days(date(2026, 5, 4), -3) == date(2026, 4, 28)
    assert add_working_days(date(2026, 5, 4), 0) == date(2026, 5, 4)


def test_a_working_day_delay_before_the_anchor_skips_the_weekend_and_holidays() -> None:
    rule = _one_rule(delay='{ amount = 3, unit = "working_days" }', direction='"before"')
    assert compute(rule, date(2026, 5, 6)).due == date(2026, 4, 30)


# --- The rule book ---

TWO_VERSIONS = """
[[rule]]
id = "asylum.cnda_appeal"
version = 2
effective_from = 2026-07-01
legal_reference = "hypothetical decree"
label = "CNDA appeal"
delay = { amount = 15, unit = "days" }
direction = "after"

[[rule]]
id = "asylum.cnda_appeal"
version = 1
effective_from = 2021-05-01
legal_reference = "CESEDA art. L532-1"
label = "CNDA appeal"
delay = { amount = 1, unit = "months" }
direction = "after"
"""


@pytest.mark.parametrize(
    ("anchor", "version"),
    [
        pytest.param(date(2021, 5, 1), 1, id="on the first version's start"),
        pytest.param(date(2026, 6, 30), 1, id="the day before the change"),
        pytest.param(date(2026, 7, 1), 2, id="on the day of the change"),
        pytest.param(date(2031, 1, 1), 2, id="long after"),
    ],
)
def test_the_version_in_force_on_the_anchor_date_applies(anchor: date, version: int) -> None:
    assert (
        RuleBook.from_toml(TWO_VERSIONS).applicable("asylum.cnda_appeal", anchor).version == version
    )


def test_versions_are_listed_oldest_first() -> None:
    rules = RuleBook.from_toml(TWO_VERSIONS)
    assert [r.version for r in rules.versions("asylum.cnda_appeal")] == [1, 2]
    assert rules.rule_ids() == ["asylum.cnda_appeal"]


def test_an_unknown_rule_or_an_anchor_before_any_version_is_an_unknown_rule() -> None:
    rules = RuleBook.from_toml(TWO_VERSIONS)
    with pytest.raises(UnknownRule, match=re.escape("unknown deadline rule 'asylum.cnda_apeal'")):
        rules.applicable("asylum.cnda_apeal", date(2026, 1, 1))
    with pytest.raises(UnknownRule, match="in force on 2020-01-01"):
        rules.applicable("asylum.cnda_appeal", date(2020, 1, 1))
    with pytest.raises(UnknownRule):
        rules.versions("nope")


def _rule_table(**fields: str | None) -> str:
    """A [[rule]] table from valid defaults, with some raw TOML values replaced (None drops one)."""
    values: dict[str, str | None] = {
        "id": '"asylum.cnda_appeal"',
        "version": "1",
        "effective_from": "2021-05-01",
        "legal_reference": '"CESEDA art. L532-1"',
        "label": '"CNDA appeal"',
        "delay": '{ amount = 1, unit = "months" }',
        "direction": '"after"',
    }
    values.update(fields)
    return "[[rule]]\n" + "".join(f"{key} = {value}\n" for key, value in values.items() if value)


def _one_rule(delay: str, direction: str = '"after"', window: str | None = None) -> DeadlineRule:
    """A single rule parsed from TOML, for clock cases the real file has no rule for."""
    table = _rule_table(delay=delay, direction=direction, suspension_window=window)
    return RuleBook.from_toml(table).versions("asylum.cnda_appeal")[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            _rule_table(delay='{ amount = 2, unit = "weeks" }'),
            "[[rule]] #1 ('asylum.cnda_appeal') delay: unknown unit 'weeks'; expected one of: days",
            id="unknown unit",
        ),
        pytest.param(
            _rule_table() + _rule_table(effective_from="2026-01-01"),
            "rule 'asylum.cnda_appeal': duplicate version 1",
            id="duplicate version",
        ),
        pytest.param(
            _rule_table(version="2") + _rule_table(effective_from="2026-01-01"),
            "version 2 (effective 2021-05-01) must take effect after version 1",
            id="versions not increasing with effective_from",
        ),
        pytest.param(_rule_table(label=None), "missing field 'label'", id="missing field"),
        pytest.param(_rule_table(lable='"x"'), "unknown field(s) 'lable'", id="misspelt field"),
        pytest.param(
            _rule_table(direction='"sideways"'), "unknown direction 'sideways'", id="direction"
        ),
        pytest.param(
            _rule_table(delay='{ amount = -1, unit = "days" }'),
            "whole number >= 0",
            id="negative delay",
        ),
        pytest.param(
            _rule_table(version='"1"'), "'version' must be an integer", id="version as text"
        ),
        pytest.param(
            _rule_table(version="true"), "'version' must be an integer", id="version as bool"
        ),
        pytest.param(
            _rule_table(effective_from="2021-05-01T00:00:00"), "without a time", id="date-time"
        ),
        pytest.param(
            _rule_table(direction='"before"', suspension_window='{ amount = 15, unit = "days" }'),
            "counted 'before' its anchor cannot have a suspension_window",
            id="window on a rule counted back",
        ),
        pytest.param("[[rules]]\nid = 1\n", "unknown field(s) 'rules'", id="misspelt table"),
        pytest.param("[[rule]\n", "not valid TOML", id="TOML syntax"),
    ],
)
def test_bad_rule_data_is_refused_with_a_message_that_says_where(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        RuleBook.from_toml(text)


# --- The shipped rule file ---

REQUIRED_RULES = {
    "asylum.guda_appointment",
    "asylum.join_accommodation",
    "asylum.ofpra_form",
    "asylum.ofpra_complete_file",
    "asylum.ofpra_reopen",
    "asylum.ofpra_interview_third_party",
    "asylum.ofpra_interview_third_party_accelerated",
    "asylum.cnda_appeal",
    "asylum.cassation",
    "asylum.dublin_transfer_appeal",
    "asylum.atda_first_normal",
    "asylum.atda_first_accelerated",
    "asylum.atda_renewal",
    "asylum.atda_dublin_first",
    "asylum.atda_dublin_renewal",
    "asylum.leave_accommodation_refused",
    "asylum.leave_accommodation_protected",
    "residence.first_application",
    "residence.renewal_window_opens",
    "residence.renewal_window_closes",
    "residence.receipt_validity",
    "ame.eligibility",
    "ame.renewal",
    "domiciliation.decision",
    "domiciliation.validity",
    "domiciliation.no_visit",
    "family.prefect_decision",
    "dalo.commission_decision",
    "dalo.appeal_after_silence",
    "dalo.offer_priority",
    "dalo.offer_priority_idf",
    "dalo.court_after_no_offer",
}
"""The rule ids the casework code relies on, one for each deadline DOMAIN.md lists."""


def test_the_rule_file_covers_every_deadline_of_the_domain(book: RuleBook) -> None:
    assert set(book.rule_ids()) >= REQUIRED_RULES
    assert {example.values[0] for example in DATED_EXAMPLES} >= REQUIRED_RULES


def test_only_the_cnda_appeal_can_be_suspended_and_within_15_days(book: RuleBook) -> None:
    suspendable = {
        rule.id: rule.suspension_window
        for rule_id in book.rule_ids()
        for rule in book.versions(rule_id)
        if rule.suspension_window is not None
    }
    assert suspendable == {"asylum.cnda_appeal": Delay(15, "days")}
