"""A coordinator's split: who sleeps in which room (an adult in each, the children with the
first member, never in a lone room), and the rooms a coordinator names checked against the
household."""

from __future__ import annotations

import pytest
from hypothesis import given

from services.housing.domain.rooms import (
    LONE,
    Household,
    Member,
    Needs,
    Room,
    RoomKind,
    Sex,
)
from services.housing.domain.splits import (
    SplitRefusal,
    SplitRefused,
    arrange,
    chosen_split,
    split_candidates,
)
from tests.unit.test_housing_rooms import (
    HELD,
    HOUSEHOLDS,
    THREE,
    centres,
    family_of_four,
    man,
    room,
    woman,
)


def test_the_first_member_stays_with_the_children_and_the_other_adult_sleeps_apart() -> None:
    rooms = [room("s1", RoomKind.SINGLE, 1), room("f3", RoomKind.FAMILY, 3)]
    [split] = split_candidates(rooms, family_of_four(), THREE, coordinator_id="coord-1")
    by_room = dict(zip((c.room_id for c in split.choices), split.sleepers, strict=True))
    assert by_room == {"s1": (1,), "f3": (0, 2, 3)}


def test_a_men_only_room_takes_a_man_and_the_youngest_sleeps_where_the_cot_is() -> None:
    father = Household((woman(), man(), Member(7, Sex.M)))
    dormitory = [room("f3", RoomKind.FAMILY, 3), room("m6", RoomKind.MEN_ONLY, 6)]
    assert arrange(dormitory, [2, 1], father) == ((0, 2), (1,))
    sisters = (woman(), woman(40), Member(7, Sex.M), Member(1, Sex.F))
    rooms = [room("f2", RoomKind.FAMILY, 2), room("c2", RoomKind.FAMILY, 2, cot=True)]
    assert arrange(rooms, [2, 2], Household(sisters, Needs(cot=True))) == ((0, 2), (1, 3))
    assert arrange(rooms, [2, 2], Household(sisters)) == ((0, 3), (1, 2))


def test_an_arrangement_refuses_a_lone_room_for_two_or_a_room_without_an_adult() -> None:
    couple = Household((woman(), man()))
    singles = [room("s1", RoomKind.SINGLE, 1), room("s2", RoomKind.SINGLE, 1)]
    assert arrange(singles, [1, 1], couple) == ((1,), (0,))
    assert arrange([singles[0], room("f2", RoomKind.FAMILY, 2)], [2, 0], couple) is None
    assert arrange([room("m1", RoomKind.MEN_ONLY, 2)] * 2, [1, 1], couple) is None
    assert arrange(singles, [1, 2], couple) is None


def test_the_rooms_a_coordinator_names_are_checked_against_the_household() -> None:
    family = family_of_four()
    north = [room("s1", RoomKind.SINGLE, 1), room("f3", RoomKind.FAMILY, 3)]
    split = chosen_split(north, family, THREE, coordinator_id="coord-1")
    assert [len(c.bed_ids) for c in split.choices] == [1, 3]
    named = {"s1": ["s1-b0"], "f3": ["f3-b0", "f3-b1", "f3-b2"]}
    again = chosen_split(north, family, THREE, coordinator_id="coord-1", bed_ids=named)
    assert (again.choices, again.sleepers) == (split.choices, split.sleepers)
    refusals = {
        SplitRefusal.ONE_SITE: [north[0], room("f3", RoomKind.FAMILY, 3, site="south")],
        SplitRefusal.KIND: [north[1], room("w4", RoomKind.WOMEN_ONLY, 4)],
        SplitRefusal.NOT_FREE_EVERY_NIGHT: [
            north[0],
            room("f4", RoomKind.FAMILY, 4, states={(3, 2): HELD}),
        ],
        SplitRefusal.AN_ADULT_IN_EACH_ROOM: [*north, room("s2", RoomKind.SINGLE, 1)],
        SplitRefusal.TOO_SMALL: [north[0], room("f2", RoomKind.FAMILY, 2)],
    }
    for reason, rooms in refusals.items():
        with pytest.raises(SplitRefused) as refused:
            chosen_split(rooms, family, THREE, coordinator_id="coord-1")
        assert refused.value.reason is reason
    with pytest.raises(SplitRefused, match="cot"):
        chosen_split(north, family_of_four(cot=True), THREE, coordinator_id="coord-1")
    with pytest.raises(ValueError, match="coordinator"):
        chosen_split(north, family, THREE, coordinator_id="")


@given(centres(), HOUSEHOLDS)
def test_everyone_sleeps_in_one_room_of_the_split_an_adult_in_each(
    rooms: list[Room], household: Household
) -> None:
    by_id = {r.id: r for r in rooms}
    members = household.members
    for split in split_candidates(rooms, household, THREE, coordinator_id="coord-1"):
        assert len(split.sleepers) == len(split.choices)
        everyone = sorted(i for sleepers in split.sleepers for i in sleepers)
        assert everyone == list(range(len(members)))
        for choice, sleepers in zip(split.choices, split.sleepers, strict=True):
            kind = by_id[choice.room_id].kind
            assert len(sleepers) == len(choice.bed_ids)
            assert any(members[i].adult for i in sleepers)
            if kind in LONE:
                assert [members[i].adult for i in sleepers] == [True]
            if kind is RoomKind.MEN_ONLY:
                assert members[sleepers[0]].sex is Sex.M
