"""A bed's state on a night, and the counts of a board."""

from __future__ import annotations

from datetime import date

from services.housing.domain.board import BedFacts, Night, counts, state

NIGHT = date(2026, 12, 6)
WINTER = (date(2026, 11, 1), date(2027, 3, 31))


def test_what_holds_a_bed_comes_before_anything_else() -> None:
    assert state(BedFacts(), NIGHT) is Night.FREE
    assert state(BedFacts(given="stay"), NIGHT) is Night.OCCUPIED
    assert state(BedFacts(given="offer"), NIGHT) is Night.HELD
    assert state(BedFacts(given="hold"), NIGHT) is Night.HELD
    assert state(BedFacts(outages=((NIGHT, NIGHT),)), NIGHT) is Night.OUT_OF_SERVICE
    assert state(BedFacts(outages=((date(2026, 12, 1), date(2026, 12, 5)),)), NIGHT) is Night.FREE


def test_an_extra_bed_is_a_bed_only_on_its_blocks_nights() -> None:
    winter = BedFacts(extra_first=WINTER[0], extra_last=WINTER[1])
    assert state(winter, NIGHT) is Night.FREE
    assert state(winter, WINTER[1]) is Night.FREE
    assert state(winter, date(2027, 4, 1)) is Night.CLOSED
    assert state(BedFacts(extra_first=WINTER[0], extra_last=WINTER[1], given="stay"), NIGHT) is (
        Night.OCCUPIED
    )


def test_closed_beds_are_not_counted() -> None:
    found = counts([Night.FREE, Night.FREE, Night.HELD, Night.CLOSED])
    assert found == {"free": 2, "held": 1, "occupied": 0, "out_of_service": 0}
