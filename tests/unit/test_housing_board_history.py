"""A past night's bed board replayed from housing's events: each bed's state and the offer or
stay that had it, as recorded by an instant; counts equal to the night's figures; a bed added
later is not there."""

from __future__ import annotations

from datetime import time, timedelta

from services.housing.domain.figures import figures, morning_after, replay
from services.housing.domain.history import BoardThen, board_then
from shared.events import housing as ev
from tests.unit.test_housing_figures_replay import PARIS, START, TUE, at, log, recorded


def beds(board: BoardThen) -> dict[str, tuple[str, str | None, str | None]]:
    """Each bed's state, offer and stay."""
    return {
        bed.bed.bed_id: (bed.state.value, bed.offer_id, bed.stay_id)
        for site in board.sites
        for room in site.rooms
        for bed in room.beds
    }


def test_tuesday_as_recorded_the_morning_after_has_its_stay_and_counts_its_figures() -> None:
    as_of = morning_after(TUE, time(9), PARIS)
    board = board_then(log(), TUE, as_of)
    assert beds(board) == {
        "f1": ("occupied", None, "stay-o1"),
        "f2": ("occupied", None, "stay-o1"),
        "f3": ("free", None, None),  # the offer expired at 20:00
        "one": ("out_of_service", None, None),
        "w1": ("free", None, None),
    }
    found = figures(replay(log(), as_of), TUE, as_of)
    assert board.counts == found.counts
    [site], [counted] = board.sites, found.sites
    assert (site.counts, site.by_kind, site.extra) == (
        counted.counts,
        counted.by_kind,
        counted.extra,
    )
    assert [room.room.label for room in site.rooms] == ["r-fam", "r-hall", "r-one"]


def test_read_before_the_offers_hour_the_offered_bed_is_held_by_its_offer() -> None:
    board = board_then(log(), TUE, at(TUE, 16))
    assert beds(board)["f3"] == ("held", "o2", None)
    assert beds(board)["f1"] == ("occupied", None, "stay-o1")


def test_a_bed_added_after_the_instant_is_not_on_the_board() -> None:
    later = ev.BedAdded(
        bed_id="f4",
        room_id="r-fam",
        site_id="s1",
        organisation_id="city",
        label="f4",
        added_at=START,
    )
    as_of = morning_after(TUE, time(9), PARIS)
    events = [*log(), recorded(later, as_of + timedelta(seconds=1))]
    assert "f4" not in beds(board_then(events, TUE, as_of))
    assert "f4" in beds(board_then(events, TUE, as_of + timedelta(seconds=1)))
