"""The waiting list's priority: the shipped rule book ranks a fixed list as written here, its
weights are data, ties go to the longest wait, overrides are recorded, bad books are refused."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from services.housing.domain.priority import (
    HouseholdFacts,
    InvalidRuleBook,
    Member,
    Override,
    Request,
    RuleBook,
    load_book,
    order,
    score,
)
from shared.errors import DomainError

RULES_FILE = Path(__file__).resolve().parents[2] / "services/housing/rules/priority.toml"
RULES_TEXT = RULES_FILE.read_text(encoding="utf-8")
TODAY = date(2026, 12, 15)
ADULT, MAN_70 = Member(age=34), Member(age=70, health=True)


def at(day: int, month: int = 12, hour: int = 9) -> datetime:
    """A request time in 2026."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


def household(*members: Member, on: datetime, nights: int = 0, alone: bool = False) -> Request:
    """Facts for a request; the id is filled in by `REQUESTS`."""
    return Request(
        "", HouseholdFacts(members, on, nights_without_shelter=nights, woman_alone=alone)
    )


def named(request_id: str, request: Request) -> Request:
    """The same request under its id."""
    return dataclasses.replace(request, id=request_id)


# Eight households, in no particular order; written out by hand below with their points.
REQUESTS = [
    named("infant", household(ADULT, ADULT, Member(age=1), on=at(10), nights=3)),
    named("man-recent", household(Member(age=35), on=at(15), nights=2)),
    named("elder", household(MAN_70, on=at(1), nights=45)),
    named("man-late", household(Member(age=50), on=at(5, hour=14), nights=5)),
    named("pregnant", household(Member(age=24, pregnant=True), on=at(14), alone=True)),
    named("single-parent", household(Member(age=30), Member(age=8), on=at(20, 11), nights=10)),
    named("man-early", household(Member(age=50), on=at(5, hour=9), nights=5)),
    named("man-long-wait", household(Member(age=40), on=at(1, 10), nights=45)),
]

# The order the shipped book gives on 15 December 2026, each with the terms that scored.
EXPECTED = [
    ("elder", 109, {"health_flag": 35, "over_65": 30, "nights_without_shelter": 30,
                    "days_waiting": 14}),
    ("pregnant", 71, {"pregnancy": 40, "woman_alone": 30, "days_waiting": 1}),
    ("infant", 68, {"child_under_3": 40, "child": 20, "nights_without_shelter": 3,
                    "days_waiting": 5}),
    ("single-parent", 60, {"child": 20, "single_adult_with_children": 15,
                           "nights_without_shelter": 10, "days_waiting": 15}),
    ("man-long-wait", 45, {"nights_without_shelter": 30, "days_waiting": 15}),
    ("man-early", 15, {"nights_without_shelter": 5, "days_waiting": 10}),  # a tie: earlier
    ("man-late", 15, {"nights_without_shelter": 5, "days_waiting": 10}),
    ("man-recent", 2, {"nights_without_shelter": 2}),
]  # fmt: skip


@pytest.fixture(scope="module")
def book() -> RuleBook:
    """The rule file the service ships, read the way its caller reads it."""
    return load_book(RULES_TEXT)


def with_weight(text: str, term_id: str, weight: int) -> str:
    """The rule data with one term's weight changed, and nothing else."""
    pattern = rf'(id = "{term_id}"\n(?:.*\n)*?weight = )\d+'
    changed, count = re.subn(pattern, rf"\g<1>{weight}", text, count=1)
    assert count == 1, term_id
    return changed


def test_the_shipped_book_orders_eight_requests_as_written(book: RuleBook) -> None:
    ranked = order(book, REQUESTS, TODAY)
    assert [r.request.id for r in ranked] == [request_id for request_id, _, _ in EXPECTED]
    for entry, (request_id, total, points) in zip(ranked, EXPECTED, strict=True):
        scored = {part.term_id: part.points for part in entry.score.terms if part.points}
        assert (entry.request.id, entry.score.total, scored) == (request_id, total, points)
        assert entry.position == entry.scored_position
        assert entry.override is None


def test_every_term_is_shown_beside_the_score_with_its_weight_and_units(book: RuleBook) -> None:
    elder = score(book, REQUESTS[2].facts, TODAY)
    assert [part.term_id for part in elder.terms] == [term.id for term in book.terms]
    nights = next(part for part in elder.terms if part.term_id == "nights_without_shelter")
    assert (nights.weight, nights.units, nights.cap, nights.points) == (1, 30, 30, 30)
    child = next(part for part in elder.terms if part.term_id == "child_under_3")
    assert (child.label, child.units, child.points) == ("A child under 3 in the household", 0, 0)
    assert elder.book_version == book.version == 1
    assert elder.total == sum(part.points for part in elder.terms)


def test_changing_one_weight_in_the_data_changes_the_order() -> None:
    heavier = load_book(with_weight(RULES_TEXT, "child_under_3", 60))
    ranked = [r.request.id for r in order(heavier, REQUESTS, TODAY)]
    assert ranked[:4] == ["elder", "infant", "pregnant", "single-parent"]
    infant = next(r for r in order(heavier, REQUESTS, TODAY) if r.request.id == "infant")
    assert infant.score.total == 88


def test_a_new_version_of_the_book_rescores_and_says_so(book: RuleBook) -> None:
    text = with_weight(RULES_TEXT, "days_waiting", 3).replace("version = 1", "version = 2", 1)
    newer = load_book(text)
    before = [r.request.id for r in order(book, REQUESTS, TODAY)]
    after = order(newer, REQUESTS, TODAY)
    assert {r.score.book_version for r in after} == {2}
    assert [r.request.id for r in after] != before
    assert [r.request.id for r in after][:3] == ["elder", "single-parent", "infant"]


def test_ties_go_to_the_longest_wait_then_to_the_request_id(book: RuleBook) -> None:
    same = household(Member(age=50), on=at(5), nights=5).facts
    later = dataclasses.replace(same, requested_at=at(5, hour=18))
    requests = [Request("b", later), Request("c", same), Request("a", same)]
    ranked = order(book, requests, TODAY)
    assert len({r.score.total for r in ranked}) == 1
    assert [r.request.id for r in ranked] == ["a", "c", "b"]


def test_an_override_moves_a_request_and_carries_its_reason(book: RuleBook) -> None:
    moved = Override(
        "man-recent", by="coordinator-1", reason="discharged from hospital", position=2
    )
    ranked = order(book, REQUESTS, TODAY, [moved])
    assert [r.request.id for r in ranked][:3] == ["elder", "man-recent", "pregnant"]
    entry = ranked[1]
    assert (entry.position, entry.scored_position, entry.override) == (2, 8, moved)
    assert entry.override is not None
    assert entry.override.reason == "discharged from hospital"
    assert entry.score.total == 2  # the score is still shown as it is
    assert all(r.override is None for r in ranked if r.request.id != "man-recent")


def test_an_override_above_another_request(book: RuleBook) -> None:
    above = Override("man-late", by="coordinator-1", reason="works nights", above="pregnant")
    ranked = [r.request.id for r in order(book, REQUESTS, TODAY, [above])]
    assert ranked[:3] == ["elder", "man-late", "pregnant"]
    already = Override("elder", by="coordinator-1", reason="stays first", above="infant")
    entries = order(book, REQUESTS, TODAY, [already])
    assert [r.request.id for r in entries] == [request_id for request_id, _, _ in EXPECTED]
    assert entries[0].override == already


def test_an_override_for_a_request_no_longer_waiting_is_left_aside(book: RuleBook) -> None:
    gone = Override("placed-yesterday", by="coordinator-1", reason="urgent", position=1)
    beside_gone = Override("man-recent", by="coordinator-1", reason="x", above="placed")
    ranked = order(book, REQUESTS, TODAY, [gone, beside_gone])
    assert [r.request.id for r in ranked] == [request_id for request_id, _, _ in EXPECTED]
    assert all(r.override is None for r in ranked)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"position": 1, "above": "a"}, "to a position or above another"),
        ({}, "to a position or above another"),
        ({"position": 0}, "a position is a whole number >= 1"),
        ({"above": "r"}, "cannot be moved above itself"),
        ({"position": 1, "reason": " "}, "records its reason and who"),
    ],
)
def test_an_incomplete_override_is_refused(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"request_id": "r", "by": "coordinator-1", "reason": "why"}
    with pytest.raises(DomainError, match=message):
        Override(**{**values, **fields})  # type: ignore[arg-type]


def _term(term_id: str, kind: str = "flag", extra: str = "weight = 10") -> str:
    return f'[[term]]\nid = "{term_id}"\nlabel = "x"\nkind = "{kind}"\n{extra}\n'


HEAD = "version = 1\neffective_from = 2026-12-01\n"
INVALID_BOOKS = [
    (
        HEAD + _term("pregnancy", "bonus"),
        r"\[\[term\]\] #1: term 'pregnancy': unknown kind 'bonus'",
    ),
    (HEAD + _term("days_waiting", "per_unit", "weight = 1\ncap = -5"), "cap .* >= 0, got -5"),
    (HEAD + _term("pregnancy") + _term("pregnancy"), "duplicate term id.*'pregnancy'"),
    (HEAD + _term("pregnancy", extra="weight = -10"), r"never lowers a score\), got -10"),
    (HEAD + _term("pregnancy", extra="weight = 2.5"), "weight must be a whole number"),
    (HEAD + _term("pregnancy", extra="weight = 1\ncap = 3"), "a flag has no cap"),
    (HEAD + _term("days_waiting", "per_unit"), "needs a cap"),
    (HEAD + _term("pregnancy", "per_unit", "weight = 1\ncap = 3"), "kind must be 'flag'"),
    (HEAD + _term("shoe_size"), "unknown term; expected one of: child, child_under_3"),
    (HEAD + _term("pregnancy", extra='weight = 1\nreads = "age"'), "unknown field.*'reads'"),
    (HEAD + '[[term]]\nid = "pregnancy"\nkind = "flag"\nweight = 1\n', "missing.*'label'"),
    (HEAD, "missing 'term'"),
    ("version = 0\neffective_from = 2026-12-01\n" + _term("child"), "version .* >= 1"),
    (
        'version = 1\neffective_from = "soon"\n' + _term("child"),
        "effective_from' must be a date: 'soon'",
    ),
    ("version = 1\n" + _term("child"), "missing 'effective_from'"),
    ("version = = 1", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), INVALID_BOOKS)
def test_an_invalid_book_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(InvalidRuleBook, match=message):
        load_book(text)


@pytest.mark.parametrize(
    "term_id", ["nationality", "residence_status", "asylum_seeker", "undocumented", "titre_sejour"]
)
def test_no_term_may_read_nationality_or_status(term_id: str) -> None:
    with pytest.raises(InvalidRuleBook, match=r"nationality or administrative status.*L\.345-2-2"):
        load_book(HEAD + _term(term_id))


ALLOWED_TERMS = {
    "child_under_3", "child", "pregnancy", "health_flag", "over_65", "woman_alone",
    "single_adult_with_children", "nights_without_shelter", "days_waiting",
}  # fmt: skip
ALLOWED_FACTS = {
    "members", "requested_at", "nights_without_shelter", "woman_alone", "age", "pregnant", "health"
}  # fmt: skip


def test_the_shipped_book_reads_only_vulnerability_and_waiting(book: RuleBook) -> None:
    assert {term.id for term in book.terms} <= ALLOWED_TERMS
    assert book.effective_from == date(2026, 12, 1)
    facts = {f.name for f in dataclasses.fields(HouseholdFacts) + dataclasses.fields(Member)}
    assert facts == ALLOWED_FACTS  # the terms cannot read what the household facts do not hold


def test_unknown_ages_are_never_guessed_and_waiting_is_never_negative(book: RuleBook) -> None:
    unknown = household(Member(age=None), Member(age=None), on=at(16), nights=-3).facts
    assert score(book, unknown, TODAY).total == 0
    couple = household(ADULT, ADULT, Member(age=5), on=at(15)).facts
    parts = {p.term_id: p.points for p in score(book, couple, TODAY).terms if p.points}
    assert parts == {"child": 20}  # two adults: not a single adult with children


@pytest.mark.parametrize(
    ("member", "terms"),
    [
        (Member(age=2), {"child_under_3", "child"}),
        (Member(age=3), {"child"}),
        (Member(age=17), {"child"}),
        (Member(age=18), set()),
        (Member(age=64), set()),
        (Member(age=65), {"over_65"}),
    ],
)
def test_the_age_terms_boundaries(book: RuleBook, member: Member, terms: set[str]) -> None:
    facts = household(ADULT, ADULT, member, on=at(15)).facts
    assert {p.term_id for p in score(book, facts, TODAY).terms if p.points} == terms
