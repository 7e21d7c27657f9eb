"""The case page's pure logic: countdowns from the caseworker's day, a local time made an
instant, the date a letter gives for the first step's deadline, and refusals as sentences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.console.domain import cases
from shared.events.access import PersonalDataRead
from shared.events.catalog import default_registry
from shared.events.checkpoints import Checkpoint

APPEAL = {
    "id": "cnda_appeal",
    "initial": "ofpra_refusal_notified",
    "steps": [
        {"status": "ofpra_refusal_notified", "label": "Refusal notified", "starts": ["a.appeal"]},
        {"status": "appeal_lodged", "label": "Appeal lodged", "starts": []},
    ],
}


@pytest.mark.parametrize(
    ("due", "days", "overdue"),
    [("2026-04-02", 8, 0), ("2026-03-25", 0, 0), (date(2026, 3, 20), -5, 5)],
)
def test_a_countdown_counts_days_left_then_days_overdue(
    due: str | date, days: int, overdue: int
) -> None:
    left = cases.countdown(due, date(2026, 3, 25))
    assert (left.days, left.overdue, left.suspended) == (days, overdue, False)


def test_a_suspended_deadline_has_no_countdown() -> None:
    assert cases.countdown(None, date(2026, 3, 25)).suspended


def test_the_caseworkers_day_is_the_offices_not_utcs() -> None:
    late = datetime(2026, 3, 24, 23, 30, tzinfo=UTC)  # already the 25th in Paris
    assert cases.office_today(late) == date(2026, 3, 25)


def test_a_local_time_is_an_instant_in_its_zone() -> None:
    at = cases.instant("2026-03-27T14:30", "Europe/Paris")
    assert at.utcoffset() == timedelta(hours=1)
    assert at.astimezone(UTC) == datetime(2026, 3, 27, 13, 30, tzinfo=UTC)
    assert cases.instant("2026-04-03T14:30", "Europe/Paris").utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("local", "zone", "field"),
    [
        ("demain", "Europe/Paris", "starts_at"),
        ("2026-03-27T14:30+01:00", "Europe/Paris", "starts_at"),
        ("2026-03-27T14:30", "Mars/Olympus", "timezone"),
        ("2026-03-27T14:30", "../etc", "timezone"),
    ],
)
def test_a_time_not_understood_names_its_field(local: str, zone: str, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        cases.instant(local, zone)


def test_the_letters_date_goes_to_the_deadline_the_first_step_starts() -> None:
    assert cases.notified(APPEAL, "2026-03-30") == {"a.appeal": "2026-03-30"}
    assert cases.notified(APPEAL, "") == {}
    nothing = {**APPEAL, "initial": "appeal_lodged"}
    with pytest.raises(ValueError, match="notified_due"):
        cases.notified(nothing, "2026-03-30")


def test_a_procedure_names_its_statuses() -> None:
    found = cases.procedure_of([APPEAL], "cnda_appeal")
    assert cases.step_labels(found)["appeal_lodged"] == "Appeal lodged"
    assert cases.procedure_of([APPEAL], None) is None
    assert cases.step_labels(None) == {}


def test_a_conflict_says_whether_the_case_changed_or_the_move_is_not_allowed() -> None:
    stale = {"detail": "the case changed since version 1", "current_version": 2}
    assert cases.refusal(409, stale, {"on"}) == {"": cases.STALE}
    assert cases.refusal(409, {"current_revision": 3}, set()) == {"": cases.STALE}
    assert cases.refusal(409, {"allowed": ["closed"]}, {"on"}) == {"": cases.NOT_ALLOWED}
    invalid = {"errors": [{"loc": ["body", "on"], "type": "missing"}]}
    assert cases.refusal(422, invalid, {"on"}) == {"on": "This is required."}


def test_referrals_waiting_for_an_answer_come_first() -> None:
    given = [{"id": "1", "status": "accepted"}, {"id": "2", "status": "pending"}]
    assert [r["id"] for r in cases.pending_first(given)] == ["2", "1"]


def test_every_event_of_casework_has_a_name_on_the_timeline() -> None:
    published = {
        c.TYPE
        for c in default_registry().contracts()
        if c.TYPE.startswith("casework.")
        and not issubclass(c, Checkpoint | PersonalDataRead)  # about the log, not a case
    }
    assert published <= set(cases.EVENTS), published - set(cases.EVENTS)
