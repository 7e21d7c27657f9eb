"""Ages of household members, worked out from a birth date or a birth year."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.domain.households import age_on


@pytest.mark.parametrize(
    ("today", "birth_date", "birth_year", "age"),
    [
        (date(2026, 11, 26), date(2019, 11, 26), None, 7),  # birthday today
        (date(2026, 11, 25), date(2019, 11, 26), None, 6),  # the day before
        (date(2027, 2, 28), date(2020, 2, 29), None, 6),  # born on 29 February
        (date(2028, 2, 29), date(2020, 2, 29), None, 8),
        (date(2026, 1, 1), None, 2026, 0),
        (date(2026, 11, 26), None, 2010, 16),  # from the year: the age reached this year
        (date(2026, 11, 26), None, None, None),
    ],
)
def test_age_in_full_years(
    today: date, birth_date: date | None, birth_year: int | None, age: int | None
) -> None:
    assert age_on(today, birth_date, birth_year) == age
