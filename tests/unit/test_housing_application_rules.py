"""Social housing applications' pure rules: the numéro unique's format, the renewal due the
day before each anniversary (29 February included), and which reminder is due on a day."""

from __future__ import annotations

from datetime import date

import pytest

from services.housing.domain.applications import (
    InvalidNumber,
    check_filing,
    check_renewal,
    first_due,
    next_due,
    normalise_departement,
    parse_number,
    reminder_due,
    reminder_on,
    renewal_due,
)
from shared.errors import DomainError, Refused


def test_a_number_as_printed_is_normalised_with_its_parts() -> None:
    number = parse_number("075 25 03 93048 00123 k")
    assert number.value == "075250393048" + "00123K"
    assert (number.departement, number.filed_year, number.filed_month) == ("75", 2025, 3)


@pytest.mark.parametrize(
    ("raw", "departement"),
    [
        ("02A2401930040001 2B", "2A"),
        ("971-2412-97101-00042-Z", "971"),
        ("0932312930480099 9X", "93"),
    ],
)
def test_corsica_and_overseas_departements_are_read(raw: str, departement: str) -> None:
    assert parse_number(raw).departement == departement


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("07525039304800123", "18 characters, this one has 17"),
        ("0752503930480012345", "18 characters, this one has 19"),
        ("175250393048001234", "the département (3)"),  # no département 175
        ("099250393048001234", "the département (3)"),  # nor 99
        ("075251393048001234", "year and month of filing"),  # month 13
        ("075250393048001237", "a control letter"),
        ("075250393048ABCDEK", "a sequence number"),
    ],
)
def test_a_wrong_number_says_what_is_wrong(raw: str, says: str) -> None:
    with pytest.raises(InvalidNumber) as refused:
        parse_number(raw)
    assert says in str(refused.value)


def test_the_number_must_agree_with_the_departement_and_the_month_of_filing() -> None:
    number = parse_number("07525039304800123K")
    assert check_filing(number, None, date(2025, 3, 14)) == "75"
    assert check_filing(number, "075", date(2025, 3, 1)) == "75"
    with pytest.raises(InvalidNumber, match="département 75"):
        check_filing(number, "93", date(2025, 3, 14))
    with pytest.raises(InvalidNumber, match="2025-03"):
        check_filing(number, "75", date(2025, 4, 2))


def test_departement_codes_are_normalised() -> None:
    assert [normalise_departement(c) for c in ("075", "75", "2a", "971", "001")] == [
        "75",
        "75",
        "2A",
        "971",
        "01",
    ]
    with pytest.raises(InvalidNumber):
        normalise_departement("20")


def test_the_renewal_is_due_the_day_before_each_anniversary() -> None:
    filed = date(2025, 3, 14)
    assert renewal_due(filed, 1) == date(2026, 3, 13)
    assert renewal_due(filed, 2) == date(2027, 3, 13)
    assert renewal_due(date(2025, 1, 1), 1) == date(2025, 12, 31)
    assert renewal_due(date(2025, 3, 1), 1) == date(2026, 2, 28)
    assert renewal_due(date(2027, 3, 1), 1) == date(2028, 2, 29)  # 2028 is a leap year


def test_a_29_february_filing_is_due_on_27_february_in_a_common_year() -> None:
    filed = date(2024, 2, 29)
    # the anniversary of 29 February is 28 February in a common year: due the day before
    assert [renewal_due(filed, n) for n in (1, 2, 3, 4, 5)] == [
        date(2025, 2, 27),
        date(2026, 2, 27),
        date(2027, 2, 27),
        date(2028, 2, 28),  # a leap year again: 29 February is the anniversary
        date(2029, 2, 27),
    ]
    assert next_due(filed, date(2027, 2, 27)) == date(2028, 2, 28)
    assert next_due(filed, date(2028, 2, 28)) == date(2029, 2, 27)


def test_an_application_entered_late_is_due_at_its_next_anniversary() -> None:
    filed = date(2023, 6, 10)
    assert first_due(filed, date(2025, 1, 5)) == date(2025, 6, 9)
    assert first_due(filed, date(2025, 6, 9)) == date(2025, 6, 9)
    assert first_due(filed, date(2025, 6, 10)) == date(2026, 6, 9)
    assert first_due(filed, date(2023, 6, 10)) == date(2024, 6, 9)


def test_a_renewal_moves_the_due_date_a_year_and_only_by_its_date() -> None:
    filed = date(2025, 3, 14)
    assert check_renewal("active", date(2026, 3, 13), date(2026, 2, 20), filed) == date(2027, 3, 13)
    assert check_renewal("active", date(2026, 3, 13), date(2026, 3, 13), filed) == date(2027, 3, 13)
    with pytest.raises(Refused, match="lapsed"):
        check_renewal("active", date(2026, 3, 13), date(2026, 3, 14), filed)
    with pytest.raises(Refused, match="closed"):
        check_renewal("closed", date(2026, 3, 13), date(2026, 3, 1), filed)
    with pytest.raises(Refused, match="already renewed for this year"):
        check_renewal("active", date(2027, 3, 13), date(2026, 2, 21), filed)
    assert check_renewal("active", date(2027, 3, 13), date(2026, 3, 14), filed) == date(2028, 3, 13)
    leap = date(2024, 2, 29)
    with pytest.raises(Refused, match="opens on 2026-02-28"):
        check_renewal("active", date(2027, 2, 27), date(2026, 2, 27), leap)
    with pytest.raises(DomainError, match="precede"):
        check_renewal("active", date(2026, 3, 13), date(2025, 3, 1), filed)


def test_reminders_are_a_month_and_a_week_before_the_due_date() -> None:
    assert reminder_on(date(2026, 3, 13)) == (
        ("month_before", date(2026, 2, 13)),
        ("week_before", date(2026, 3, 6)),
    )
    # a month before 31 March is the last day of February
    assert reminder_on(date(2026, 3, 31))[0] == ("month_before", date(2026, 2, 28))


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (date(2026, 2, 12), None),
        (date(2026, 2, 13), "month_before"),
        (date(2026, 3, 5), "month_before"),
        (date(2026, 3, 6), "week_before"),  # a late worker sends the latest, never both
        (date(2026, 3, 13), "week_before"),
        (date(2026, 3, 14), None),  # past the due date: nothing is reminded, it lapsed
    ],
)
def test_the_reminder_due_on_a_day(today: date, kind: str | None) -> None:
    assert reminder_due(date(2026, 3, 13), today) == kind
