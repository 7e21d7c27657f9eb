"""Reminder plans: exact UTC instants across DST changes, quiet hours, short notice, zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.plans import (
    DEFAULT_OFFSETS,
    MIN_LEAD,
    Offset,
    Planned,
    Skipped,
    due_time,
    offsets_for,
    plan,
)
from services.notifications.domain.quiet import (
    QuietHours,
    is_quiet,
    last_allowed_before,
    next_allowed,
)

PARIS = ZoneInfo("Europe/Paris")
CAYENNE = ZoneInfo("America/Cayenne")  # UTC-3 all year
KABUL = ZoneInfo("Asia/Kabul")  # UTC+4:30 all year
# 2026 in Paris: clocks go 02:00 CET -> 03:00 CEST on 29 March (01:00 UTC),
# and 03:00 CEST -> 02:00 CET on 25 October (01:00 UTC).
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)  # a `now` before every reminder below


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant given in UTC."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall-clock time in a zone (the first of two readings in a fall-back hour)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone)


# Each row: appointment (wall time), zone, the plan expected with `now` long before.
EXACT_INSTANTS = [
    pytest.param(
        local(PARIS, 2026, 3, 31, 10, 0),  # Tuesday 10:00 CEST = 08:00 UTC
        PARIS,
        [
            # 10:00 two days earlier, on the day of the change, already CEST: 08:00 UTC.
            Planned("two_days", utc(2026, 3, 29, 8, 0), deferred=False),
            # Two elapsed hours before 08:00 UTC: 06:00 UTC, 08:00 CEST (allowed, not quiet).
            Planned("two_hours", utc(2026, 3, 31, 6, 0), deferred=False),
        ],
        id="spring: 31 Mar 10:00 CEST -> 29 Mar 08:00 UTC (day of the change), 31 Mar 06:00 UTC",
    ),
    pytest.param(
        local(PARIS, 2026, 3, 30, 11, 0),  # Monday 11:00 CEST = 09:00 UTC
        PARIS,
        [
            # 11:00 two days earlier is Saturday, still CET: 10:00 UTC. Counting 48 elapsed
            # hours instead would give 09:00 UTC, a reminder at 10:00 on the wall clock.
            Planned("two_days", utc(2026, 3, 28, 10, 0), deferred=False),
            Planned("two_hours", utc(2026, 3, 30, 7, 0), deferred=False),  # 09:00 CEST
        ],
        id="spring: 30 Mar 11:00 CEST -> 28 Mar 11:00 CET = 10:00 UTC, not 48 h",
    ),
    pytest.param(
        local(PARIS, 2026, 10, 26, 9, 0),  # Monday 09:00 CET = 08:00 UTC
        PARIS,
        [
            # 09:00 two days earlier is Saturday, still CEST: 07:00 UTC (48 h would be 08:00).
            Planned("two_days", utc(2026, 10, 24, 7, 0), deferred=False),
            # Two hours before is 07:00 CET, inside quiet hours (until 08:00): deferred to
            # 08:00 CET = 07:00 UTC, which is still before 08:30 (the appointment - 30 min).
            Planned("two_hours", utc(2026, 10, 26, 7, 0), deferred=True),
        ],
        id="autumn: 26 Oct 09:00 CET -> 24 Oct 07:00 UTC (CEST), 26 Oct 07:00 UTC deferred",
    ),
    pytest.param(
        local(PARIS, 2026, 10, 27, 14, 0),  # Tuesday 14:00 CET = 13:00 UTC
        PARIS,
        [
            # 14:00 on the day of the change, after it: CET, 13:00 UTC.
            Planned("two_days", utc(2026, 10, 25, 13, 0), deferred=False),
            Planned("two_hours", utc(2026, 10, 27, 11, 0), deferred=False),  # 12:00 CET
        ],
        id="autumn: 27 Oct 14:00 CET -> 25 Oct 13:00 UTC (day of the change)",
    ),
    pytest.param(
        local(CAYENNE, 2026, 3, 31, 10, 0),  # 10:00 UTC-3 = 13:00 UTC; no DST in Guiana
        CAYENNE,
        [
            Planned("two_days", utc(2026, 3, 29, 13, 0), deferred=False),
            Planned("two_hours", utc(2026, 3, 31, 11, 0), deferred=False),  # 08:00 Cayenne
        ],
        id="Cayenne: 31 Mar 10:00 -> 29 Mar 13:00 UTC, 31 Mar 11:00 UTC",
    ),
    pytest.param(
        local(KABUL, 2026, 5, 20, 9, 0),  # 09:00 UTC+4:30 = 04:30 UTC
        KABUL,
        [
            Planned("two_days", utc(2026, 5, 18, 4, 30), deferred=False),
            # Two hours before is 07:00 Kabul, quiet: 08:00 Kabul = 03:30 UTC.
            Planned("two_hours", utc(2026, 5, 20, 3, 30), deferred=True),
        ],
        id="Kabul half-hour offset: 20 May 09:00 -> 18 May 04:30 UTC, 20 May 03:30 UTC",
    ),
]


@pytest.mark.parametrize(("starts_at", "zone", "expected"), EXACT_INSTANTS)
def test_reminders_are_due_at_exact_utc_instants(
    starts_at: datetime, zone: ZoneInfo, expected: list[Planned]
) -> None:
    planned, skipped = plan(starts_at, zone, LONG_AGO)

    assert planned == expected
    assert skipped == []
    assert all(reminder.due_at.tzinfo is UTC for reminder in planned)


# Each row: appointment (Paris wall time), the plan expected with `now` long before.
QUIET_HOURS = [
    pytest.param(
        local(PARIS, 2026, 5, 22, 21, 30),  # Friday 21:30 CEST = 19:30 UTC
        [
            # Wednesday 21:30 is quiet: deferred to Thursday 08:00 CEST = 06:00 UTC.
            Planned("two_days", utc(2026, 5, 21, 6, 0), deferred=True),
            Planned("two_hours", utc(2026, 5, 22, 17, 30), deferred=False),  # 19:30 CEST
        ],
        id="21:30 two days before -> 08:00 the next morning",
    ),
    pytest.param(
        local(PARIS, 2026, 5, 20, 23, 30),  # Wednesday 23:30 CEST = 21:30 UTC
        [
            # Monday 23:30 is quiet: deferred to Tuesday 08:00 CEST.
            Planned("two_days", utc(2026, 5, 19, 6, 0), deferred=True),
            # 21:30 is quiet, and 08:00 the next morning is after the appointment: moved
            # back to the last allowed second of the evening, 20:59:59 CEST = 18:59:59 UTC.
            Planned("two_hours", utc(2026, 5, 20, 18, 59, 59), deferred=True),
        ],
        id="21:30 two hours before a 23:30 appointment -> 20:59:59 the same evening",
    ),
    pytest.param(
        local(PARIS, 2026, 5, 20, 7, 0),  # Wednesday 07:00 CEST = 05:00 UTC
        [
            Planned("two_days", utc(2026, 5, 18, 6, 0), deferred=True),  # 07:00 -> 08:00
            # 05:00 is quiet; 08:00 is after 06:30: the evening before, 20:59:59 CEST.
            Planned("two_hours", utc(2026, 5, 19, 18, 59, 59), deferred=True),
        ],
        id="07:00 appointment -> two_hours reminder the evening before at 20:59:59",
    ),
    pytest.param(
        local(PARIS, 2026, 3, 31, 2, 30),  # Tuesday 02:30 CEST = 00:30 UTC
        [
            # Two days before is 29 March 02:30, a wall time the change skips; it reads as
            # 03:30 CEST (01:30 UTC), quiet: deferred to 08:00 CEST that morning = 06:00 UTC
            # (not 07:00 UTC, which 08:00 would have been the day before, in CET).
            Planned("two_days", utc(2026, 3, 29, 6, 0), deferred=True),
            # 00:30 CEST on the 31st is quiet; 08:00 is too late: 30 Mar 20:59:59 CEST.
            Planned("two_hours", utc(2026, 3, 30, 18, 59, 59), deferred=True),
        ],
        id="DST night: 29 Mar 02:30 does not exist -> 08:00 CEST = 06:00 UTC",
    ),
    pytest.param(
        local(PARIS, 2026, 10, 27, 2, 30),  # Tuesday 02:30 CET = 01:30 UTC
        [
            # 25 October 02:30 happens twice; the first (CEST, 00:30 UTC) is quiet:
            # 08:00 CET that morning = 07:00 UTC.
            Planned("two_days", utc(2026, 10, 25, 7, 0), deferred=True),
            Planned("two_hours", utc(2026, 10, 26, 19, 59, 59), deferred=True),  # 20:59:59 CET
        ],
        id="DST night: 25 Oct 02:30 happens twice -> 08:00 CET = 07:00 UTC",
    ),
]


@pytest.mark.parametrize(("starts_at", "expected"), QUIET_HOURS)
def test_quiet_hours_defer_reminders_never_drop_them(
    starts_at: datetime, expected: list[Planned]
) -> None:
    planned, skipped = plan(starts_at, PARIS, LONG_AGO)

    assert planned == expected
    assert skipped == []


APPOINTMENT = local(PARIS, 2026, 5, 20, 14, 0)  # Wednesday 14:00 CEST = 12:00 UTC

# Each row: when the appointment is booked or seen, the plan expected.
SHORT_NOTICE = [
    pytest.param(
        utc(2026, 5, 20, 13, 0),
        [],
        [Skipped("two_days", "appointment_past"), Skipped("two_hours", "appointment_past")],
        id="appointment in the past -> nothing",
    ),
    pytest.param(
        utc(2026, 5, 20, 12, 0),
        [],
        [Skipped("two_days", "appointment_past"), Skipped("two_hours", "appointment_past")],
        id="appointment starting now -> nothing",
    ),
    pytest.param(
        utc(2026, 5, 20, 9, 0),
        [Planned("two_hours", utc(2026, 5, 20, 10, 0), deferred=False)],
        [Skipped("two_days", "too_late")],
        id="booked 3 hours ahead -> only two_hours",
    ),
    pytest.param(
        utc(2026, 5, 20, 11, 0),
        [Planned("two_hours", utc(2026, 5, 20, 11, 0), deferred=False)],
        [Skipped("two_days", "too_late")],
        id="booked 1 hour ahead -> one reminder now",
    ),
    pytest.param(
        utc(2026, 5, 20, 11, 30),
        [Planned("two_hours", utc(2026, 5, 20, 11, 30), deferred=False)],
        [Skipped("two_days", "too_late")],
        id="booked exactly MIN_LEAD ahead -> one reminder now",
    ),
    pytest.param(
        utc(2026, 5, 20, 11, 50),
        [],
        [Skipped("two_days", "too_late"), Skipped("two_hours", "too_late")],
        id="booked 10 minutes ahead -> nothing, too late",
    ),
]


@pytest.mark.parametrize(("now", "expected_planned", "expected_skipped"), SHORT_NOTICE)
def test_short_notice_gets_what_can_still_help(
    now: datetime, expected_planned: list[Planned], expected_skipped: list[Skipped]
) -> None:
    assert plan(APPOINTMENT, PARIS, now) == (expected_planned, expected_skipped)


def test_booked_late_at_night_one_hour_ahead_gets_no_sms_at_night() -> None:
    # 00:30 appointment booked at 23:30: "now" is quiet, 08:00 is after the appointment,
    # and the last allowed second (20:59:59) has passed.
    starts_at = local(PARIS, 2026, 5, 21, 0, 30)
    now = local(PARIS, 2026, 5, 20, 23, 30)

    assert plan(starts_at, PARIS, now) == (
        [],
        [Skipped("two_days", "too_late"), Skipped("two_hours", "too_late")],
    )


def test_reminders_landing_on_the_same_instant_are_merged_into_the_nearer_one() -> None:
    # For a 00:30 appointment, 21:30 and 22:30 are both quiet and both move back to 20:59:59.
    offsets = (Offset("three_hours", timedelta(hours=3)), Offset("two_hours", timedelta(hours=2)))

    planned, skipped = plan(local(PARIS, 2026, 5, 21, 0, 30), PARIS, LONG_AGO, offsets)

    assert planned == [Planned("two_hours", utc(2026, 5, 20, 18, 59, 59), deferred=True)]
    assert skipped == [Skipped("three_hours", "merged")]


def test_offsets_are_configured_per_appointment_kind() -> None:
    week = (Offset("one_week", timedelta(days=7)), Offset("one_day", timedelta(days=1)))
    table = {"interview": week}

    assert offsets_for("interview", table) == week
    assert offsets_for("medical", table) == DEFAULT_OFFSETS
    planned, _ = plan(APPOINTMENT, PARIS, LONG_AGO, offsets_for("interview", table))
    assert planned == [
        Planned("one_week", utc(2026, 5, 13, 12, 0), deferred=False),
        Planned("one_day", utc(2026, 5, 19, 12, 0), deferred=False),
    ]


def test_custom_quiet_hours_and_lead_are_honoured() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(13, 30))  # a window within one day
    planned, _ = plan(APPOINTMENT, PARIS, LONG_AGO, quiet=lunch, min_lead=timedelta(minutes=15))
    # two_hours is due at 12:00 CEST, in the window: sent when it ends, 13:30 CEST (11:30 UTC),
    # which is still at least 15 minutes before the 14:00 appointment.
    assert planned[-1] == Planned("two_hours", utc(2026, 5, 20, 11, 30), deferred=True)


@pytest.mark.parametrize(
    ("starts_at", "now"),
    [
        pytest.param(datetime(2026, 5, 20, 14, 0), LONG_AGO, id="naive appointment"),
        pytest.param(APPOINTMENT, datetime(2026, 5, 1, 9, 0), id="naive now"),
    ],
)
def test_naive_datetimes_are_refused(starts_at: datetime, now: datetime) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan(starts_at, PARIS, now)


def test_offset_kinds_must_be_unique() -> None:
    twice = (Offset("soon", timedelta(hours=2)), Offset("soon", timedelta(hours=3)))
    with pytest.raises(ValueError, match="unique"):
        plan(APPOINTMENT, PARIS, LONG_AGO, twice)


@pytest.mark.parametrize("before", [timedelta(0), timedelta(hours=-2)])
def test_an_offset_must_be_before_the_appointment(before: timedelta) -> None:
    with pytest.raises(ValueError, match="positive"):
        Offset("never", before)


def test_whole_days_count_on_the_local_calendar_the_rest_in_elapsed_time() -> None:
    # Spring: 03:30 CEST on 29 March is 01:30 UTC; two elapsed hours earlier is 23:30 UTC,
    # 00:30 CET, although the wall clock only moved back one hour.
    assert due_time(local(PARIS, 2026, 3, 29, 3, 30), timedelta(hours=2), PARIS) == utc(
        2026, 3, 28, 23, 30
    )
    # Autumn: a day before 26 Oct 09:00 CET is 25 Oct 09:00 CET = 08:00 UTC (the change was
    # at 01:00 UTC); 12 elapsed hours before that is 24 Oct 20:00 UTC.
    assert due_time(local(PARIS, 2026, 10, 26, 9, 0), timedelta(days=1, hours=12), PARIS) == utc(
        2026, 10, 24, 20, 0
    )


# Each row: instant, quiet?, next allowed, last allowed before (default quiet hours, Paris).
QUIET_INSTANTS = [
    pytest.param(
        utc(2026, 5, 20, 18, 59, 59),
        False,
        utc(2026, 5, 20, 18, 59, 59),
        utc(2026, 5, 20, 18, 59, 59),
        id="20:59:59 CEST is allowed",
    ),
    pytest.param(
        utc(2026, 5, 20, 19, 0),
        True,
        utc(2026, 5, 21, 6, 0),
        utc(2026, 5, 20, 18, 59, 59),
        id="21:00 CEST is quiet until 08:00 the next day",
    ),
    pytest.param(
        utc(2026, 5, 21, 5, 59, 59),
        True,
        utc(2026, 5, 21, 6, 0),
        utc(2026, 5, 20, 18, 59, 59),
        id="07:59:59 CEST is quiet since 21:00 the day before",
    ),
    pytest.param(
        utc(2026, 5, 21, 6, 0),
        False,
        utc(2026, 5, 21, 6, 0),
        utc(2026, 5, 21, 6, 0),
        id="08:00 CEST is allowed",
    ),
    pytest.param(
        utc(2026, 3, 29, 0, 30),
        True,
        utc(2026, 3, 29, 6, 0),
        utc(2026, 3, 28, 19, 59, 59),
        id="spring night: 01:30 CET -> 08:00 CEST; the evening before was CET",
    ),
    pytest.param(
        utc(2026, 10, 25, 1, 30),
        True,
        utc(2026, 10, 25, 7, 0),
        utc(2026, 10, 24, 18, 59, 59),
        id="autumn night: 02:30 CET (second pass) -> 08:00 CET; the evening before was CEST",
    ),
]


@pytest.mark.parametrize(("instant", "quiet", "after", "before"), QUIET_INSTANTS)
def test_quiet_hours_are_read_on_the_local_wall_clock(
    instant: datetime, quiet: bool, after: datetime, before: datetime
) -> None:
    hours = QuietHours()

    assert is_quiet(instant, PARIS, hours) is quiet
    assert next_allowed(instant, PARIS, hours) == after
    assert last_allowed_before(instant, PARIS, hours) == before


def test_a_quiet_hours_boundary_skipped_by_the_change_resolves_to_the_change() -> None:
    # Quiet 01:00-02:30 on 29 March: 02:30 never shows on the wall clock; the first instant
    # at or after it is the change itself, 01:00 UTC (03:00 CEST).
    hours = QuietHours(start=time(1, 0), end=time(2, 30))
    assert next_allowed(utc(2026, 3, 29, 0, 30), PARIS, hours) == utc(2026, 3, 29, 1, 0)
    # Quiet 02:30-06:00: the window opened at the change, so the last allowed second is
    # 00:59:59 UTC (01:59:59 CET).
    hours = QuietHours(start=time(2, 30), end=time(6, 0))
    assert last_allowed_before(utc(2026, 3, 29, 3, 0), PARIS, hours) == utc(2026, 3, 29, 0, 59, 59)


def test_no_quiet_hours_when_start_equals_end() -> None:
    hours = QuietHours(start=time(0, 0), end=time(0, 0))
    assert not is_quiet(utc(2026, 5, 20, 1, 0), PARIS, hours)


@pytest.mark.parametrize("zone", [PARIS, CAYENNE, KABUL], ids=str)
def test_every_half_hour_of_the_year_gets_a_plan_outside_quiet_hours(zone: ZoneInfo) -> None:
    hours = QuietHours()
    starts = [LONG_AGO + timedelta(days=3, minutes=30 * n) for n in range(2 * 24 * 365)]
    for starts_at in starts:
        planned, skipped = plan(starts_at, zone, LONG_AGO)
        dues = [reminder.due_at for reminder in planned]
        assert dues == sorted(set(dues)), starts_at
        assert all(LONG_AGO <= due <= starts_at - MIN_LEAD for due in dues), starts_at
        assert not any(is_quiet(due, zone, hours) for due in dues), starts_at
        assert len(planned) + len(skipped) == len(DEFAULT_OFFSETS), starts_at


def test_every_booking_moment_before_an_appointment_keeps_the_invariants() -> None:
    hours = QuietHours()
    starts_at = local(PARIS, 2026, 3, 30, 8, 30)  # the morning after the spring change
    for minutes in range(0, 4 * 24 * 60, 5):
        now = starts_at - timedelta(minutes=minutes)
        planned, skipped = plan(starts_at, PARIS, now)
        dues = [reminder.due_at for reminder in planned]
        assert all(now <= due <= starts_at - MIN_LEAD for due in dues), now
        assert not any(is_quiet(due, PARIS, hours) for due in dues), now
        if planned:
            continue
        # Nothing planned only when it is too late, or it is night until too late.
        assert minutes < 30 or is_quiet(now, PARIS, hours), now
        assert {skip.reason for skip in skipped} <= {"too_late", "appointment_past"}


def test_quiet_hours_are_the_persons_when_they_live_elsewhere() -> None:
    """An appointment held on Paris time for a person who lives on Kabul time (UTC+4:30):
    the two-day reminder falls at 21:00 UTC, 01:30 in Kabul, and moves to 08:00 in Kabul
    (03:30 UTC), not to 08:00 in Paris (06:00 UTC)."""
    paris, kabul = ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Kabul")
    starts_at = datetime(2026, 6, 12, 23, 0, tzinfo=paris)  # 21:00 UTC
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    offsets = [Offset("two_days", timedelta(days=2))]
    quiet = QuietHours(start=time(21), end=time(8))
    planned, _ = plan(starts_at, paris, now, offsets, quiet, person_zone=kabul)
    assert planned[0].due_at == datetime(2026, 6, 11, 3, 30, tzinfo=UTC)
    assert planned[0].deferred is True
    in_paris, _ = plan(starts_at, paris, now, offsets, quiet)
    assert in_paris[0].due_at == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)
