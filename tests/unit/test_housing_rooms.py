"""Where a household can sleep: one room, every bed free every night, best fit first."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.housing.domain.rooms import (
    Bed,
    BedState,
    Choice,
    Household,
    Member,
    Needs,
    Nights,
    Refusal,
    Room,
    RoomKind,
    Sex,
    candidates,
    why_not,
)
from services.housing.domain.splits import split_candidates

TONIGHT = Nights(date(2026, 12, 7), 1)
THREE = Nights(date(2026, 12, 7), 3)
FREE, HELD, OCCUPIED, OFF = (
    BedState.FREE,
    BedState.HELD,
    BedState.OCCUPIED,
    BedState.OUT_OF_SERVICE,
)


def room(
    room_id: str,
    kind: RoomKind,
    beds: int,
    *,
    nights: Nights = THREE,
    site: str = "site-a",
    accessible: bool = False,
    cot: bool = False,
    states: dict[tuple[int, int], BedState] | None = None,
) -> Room:
    """A room whose beds are free every night but for `states[(bed, night)]`."""
    states = states or {}
    return Room(
        room_id,
        site,
        kind,
        tuple(
            Bed(
                f"{room_id}-b{b}",
                {n: states.get((b, i), FREE) for i, n in enumerate(nights.dates)},
            )
            for b in range(beds)
        ),
        accessible=accessible,
        cot=cot,
    )


def woman(age: int = 34) -> Member:
    return Member(age, Sex.F)


def man(age: int = 36) -> Member:
    return Member(age, Sex.M)


def family_of_four(**needs: bool) -> Household:
    """Two adults and two children."""
    return Household((woman(), man(), Member(9, Sex.F), Member(5, Sex.M)), Needs(**needs))


def ids(choices: list[Choice]) -> list[str]:
    return [choice.room_id for choice in choices]


def test_a_family_of_four_gets_a_family_room_with_four_free_beds() -> None:
    rooms = [room("f4", RoomKind.FAMILY, 4), room("d9", RoomKind.WOMEN_ONLY, 9)]
    [choice] = candidates(rooms, family_of_four(), THREE)
    assert choice.room_id == "f4"
    assert choice.bed_ids == ("f4-b0", "f4-b1", "f4-b2", "f4-b3")
    assert choice.spare == 0


def test_a_family_of_four_waits_rather_than_being_split() -> None:
    rooms = [room("f2", RoomKind.FAMILY, 2), room("f3", RoomKind.FAMILY, 3)]
    assert candidates(rooms, family_of_four(), THREE) == []
    assert why_not(rooms, family_of_four(), THREE) == {
        "f2": Refusal.TOO_SMALL,
        "f3": Refusal.TOO_SMALL,
    }


def test_a_bed_held_on_the_second_night_of_three_excludes_the_room() -> None:
    held = room("f4", RoomKind.FAMILY, 4, states={(2, 1): HELD})
    assert candidates([held], family_of_four(), THREE) == []
    assert why_not([held], family_of_four(), THREE) == {"f4": Refusal.NOT_FREE_EVERY_NIGHT}
    first_night_only = Nights(THREE.first, 1)
    assert ids(candidates([held], family_of_four(), first_night_only)) == ["f4"]


def test_a_family_room_partly_occupied_by_others_is_not_shared() -> None:
    shared = room("f6", RoomKind.FAMILY, 6, states={(5, 0): OCCUPIED})
    assert candidates([shared], family_of_four(), THREE) == []


def test_a_dormitory_gives_its_free_beds_around_those_taken() -> None:
    dorm = room("m6", RoomKind.MEN_ONLY, 6, states={(0, 0): OCCUPIED, (1, 2): HELD})
    [choice] = candidates([dorm], Household((man(),)), THREE)
    assert choice.bed_ids == ("m6-b2",)


def test_beds_out_of_service_make_a_room_refused_as_such() -> None:
    broken = room("f4", RoomKind.FAMILY, 4, states={(0, 1): OFF})
    assert why_not([broken], family_of_four(), THREE) == {"f4": Refusal.OUT_OF_SERVICE}
    roomy = room("f5", RoomKind.FAMILY, 5, states={(0, 1): OFF})
    [choice] = candidates([roomy], family_of_four(), THREE)
    assert "f5-b0" not in choice.bed_ids
    assert choice.spare == 0


def test_a_night_the_bed_is_not_known_for_counts_as_out_of_service() -> None:
    tonight_only = room("f4", RoomKind.FAMILY, 4, nights=TONIGHT)
    assert why_not([tonight_only], family_of_four(), THREE) == {"f4": Refusal.OUT_OF_SERVICE}


@pytest.mark.parametrize(("boy", "offered"), [(8, True), (12, True), (13, False), (15, False)])
def test_a_women_only_room_takes_a_mother_with_her_boy_only_while_he_is_young(
    boy: int, offered: bool
) -> None:
    household = Household((woman(), Member(boy, Sex.M)))
    rooms = [room("w6", RoomKind.WOMEN_ONLY, 6)]
    assert ids(candidates(rooms, household, THREE)) == (["w6"] if offered else [])
    assert why_not(rooms, household, THREE) == ({} if offered else {"w6": Refusal.KIND})


def test_the_age_limit_for_boys_is_the_structures_to_set() -> None:
    household = Household((woman(), Member(15, Sex.M)))
    rooms = [room("w6", RoomKind.WOMEN_ONLY, 6)]
    assert ids(candidates(rooms, household, THREE, boys_until=16)) == ["w6"]


def test_room_kinds_take_the_households_they_are_for() -> None:
    rooms = [
        room("s1", RoomKind.SINGLE, 1),
        room("m6", RoomKind.MEN_ONLY, 6),
        room("w6", RoomKind.WOMEN_ONLY, 6),
    ]
    assert ids(candidates(rooms, Household((man(),)), THREE)) == ["m6", "s1"]
    assert ids(candidates(rooms, Household((woman(),)), THREE)) == ["s1", "w6"]
    assert ids(candidates(rooms, Household((Member(40, Sex.UNKNOWN),)), THREE)) == ["s1"]
    couple = Household((woman(), man()))
    assert why_not(rooms, couple, THREE) == {
        "s1": Refusal.KIND,
        "m6": Refusal.KIND,
        "w6": Refusal.KIND,
    }


def test_a_women_only_need_keeps_the_household_to_women_only_rooms() -> None:
    household = Household((woman(), Member(4, Sex.F)), Needs(women_only=True))
    rooms = [room("f2", RoomKind.FAMILY, 2), room("w6", RoomKind.WOMEN_ONLY, 6)]
    assert ids(candidates(rooms, household, THREE)) == ["w6"]
    assert why_not(rooms, household, THREE) == {"f2": Refusal.KIND}


def test_an_accessible_need_excludes_rooms_without_it() -> None:
    rooms = [room("f4", RoomKind.FAMILY, 4), room("f4a", RoomKind.FAMILY, 4, accessible=True)]
    assert ids(candidates(rooms, family_of_four(accessible=True), THREE)) == ["f4a"]
    assert why_not(rooms, family_of_four(accessible=True), THREE) == {"f4": Refusal.ACCESSIBILITY}


def test_a_cot_need_excludes_rooms_without_a_cot() -> None:
    baby = Household((woman(), Member(1, Sex.M)), Needs(cot=True))
    rooms = [room("f2", RoomKind.FAMILY, 2), room("f2c", RoomKind.FAMILY, 2, cot=True)]
    assert ids(candidates(rooms, baby, THREE)) == ["f2c"]
    assert why_not(rooms, baby, THREE) == {"f2": Refusal.COT}


def test_best_fit_picks_the_four_bed_room_over_the_six_bed_one() -> None:
    rooms = [room("a6", RoomKind.FAMILY, 6), room("b4", RoomKind.FAMILY, 4)]
    assert [(c.room_id, c.spare) for c in candidates(rooms, family_of_four(), THREE)] == [
        ("b4", 0),
        ("a6", 2),
    ]


def test_accessible_rooms_and_cots_are_kept_for_those_who_need_them() -> None:
    rooms = [
        room("a", RoomKind.FAMILY, 4, accessible=True),
        room("b", RoomKind.FAMILY, 4, cot=True),
        room("c", RoomKind.FAMILY, 4),
    ]
    assert ids(candidates(rooms, family_of_four(), THREE)) == ["c", "b", "a"]
    assert ids(candidates(rooms, family_of_four(accessible=True), THREE)) == ["a"]


def test_the_order_is_the_same_whatever_order_the_rooms_come_in() -> None:
    rooms = [room(f"f{i}", RoomKind.FAMILY, 4, site=f"site-{i % 2}") for i in range(6)]
    first = candidates(rooms, family_of_four(), THREE)
    assert ids(first) == ["f0", "f1", "f2", "f3", "f4", "f5"]
    assert candidates(list(reversed(rooms)), family_of_four(), THREE) == first
    assert candidates(iter(rooms), family_of_four(), THREE) == first


def test_a_split_is_only_a_coordinators_choice() -> None:
    rooms = [room("f2", RoomKind.FAMILY, 2), room("f3", RoomKind.FAMILY, 3)]
    assert candidates(rooms, family_of_four(), THREE) == []
    with pytest.raises(ValueError, match="coordinator"):
        split_candidates(rooms, family_of_four(), THREE, coordinator_id="")
    [split] = split_candidates(rooms, family_of_four(), THREE, coordinator_id="coord-1")
    assert split.split
    assert split.coordinator_id == "coord-1"
    assert [(c.room_id, len(c.bed_ids)) for c in split.choices] == [("f2", 2), ("f3", 2)]


def test_a_split_takes_the_fewest_rooms_of_one_site() -> None:
    rooms = [
        room("a2", RoomKind.FAMILY, 2, site="north"),
        room("a3", RoomKind.FAMILY, 3, site="south"),
        room("b2", RoomKind.FAMILY, 2, site="north"),
        room("c2", RoomKind.FAMILY, 2, site="north"),
        room("d4", RoomKind.FAMILY, 4, site="north"),
    ]
    five = Household((*family_of_four().members, Member(2, Sex.F)))
    splits = split_candidates(rooms, five, THREE, coordinator_id="coord-1")
    assert [s.site_id for s in splits] == ["north"]
    [split] = splits
    assert sorted(c.room_id for c in split.choices) == ["a2", "d4"]
    assert sum(len(c.bed_ids) for c in split.choices) == 5
    assert all(c.room_id != "a3" for s in splits for c in s.choices)


def test_a_split_leaves_no_child_without_an_adult() -> None:
    mother = Household((woman(), Member(9, Sex.F), Member(5, Sex.M)))
    rooms = [room("f2", RoomKind.FAMILY, 2), room("f1", RoomKind.FAMILY, 1)]
    assert split_candidates(rooms, mother, THREE, coordinator_id="coord-1") == []
    couple = Household((woman(), man()))
    singles = [room("s1", RoomKind.SINGLE, 1), room("s2", RoomKind.SINGLE, 1)]
    [split] = split_candidates(singles, couple, THREE, coordinator_id="coord-1")
    assert [c.room_id for c in split.choices] == ["s1", "s2"]


def test_a_split_never_shares_a_private_room_with_others() -> None:
    rooms = [room("f2", RoomKind.FAMILY, 2), room("f3", RoomKind.FAMILY, 3, states={(2, 0): HELD})]
    assert split_candidates(rooms, family_of_four(), THREE, coordinator_id="coord-1") == []


def test_a_split_keeps_to_the_households_needs() -> None:
    sisters = Household((woman(), woman(40), Member(6, Sex.M)), Needs(women_only=True))
    rooms = [
        room("f4", RoomKind.FAMILY, 4),
        room("w1", RoomKind.WOMEN_ONLY, 1),
        room("w2", RoomKind.WOMEN_ONLY, 2),
        room("x3", RoomKind.WOMEN_ONLY, 3, site="elsewhere", states={(0, 2): OFF}),
    ]
    [split] = split_candidates(rooms, sisters, THREE, coordinator_id="coord-1")
    assert [(c.room_id, len(c.bed_ids)) for c in split.choices] == [("w1", 1), ("w2", 2)]
    needing = family_of_four(accessible=True)
    family_rooms = [room("f2", RoomKind.FAMILY, 2), room("f3", RoomKind.FAMILY, 3)]
    assert split_candidates(family_rooms, needing, THREE, coordinator_id="coord-1") == []


STATES = st.sampled_from(list(BedState))


@st.composite
def centres(draw: st.DrawFn) -> list[Room]:
    """Any few rooms of any kinds, beds in any states on the three nights."""
    count = draw(st.integers(0, 6))
    return [
        room(
            f"r{i}",
            draw(st.sampled_from(list(RoomKind))),
            draw(st.integers(0, 6)),
            site=draw(st.sampled_from(["north", "south"])),
            accessible=draw(st.booleans()),
            cot=draw(st.booleans()),
            states=draw(st.dictionaries(st.tuples(st.integers(0, 5), st.integers(0, 2)), STATES)),
        )
        for i in range(count)
    ]


MEMBERS = st.builds(Member, st.one_of(st.none(), st.integers(0, 90)), st.sampled_from(list(Sex)))
HOUSEHOLDS = st.builds(
    Household, st.lists(MEMBERS, min_size=1, max_size=6).map(tuple), st.builds(Needs)
)


@given(centres(), HOUSEHOLDS)
def test_a_choice_is_one_room_with_beds_free_every_night_for_everyone(
    rooms: list[Room], household: Household
) -> None:
    by_id = {r.id: r for r in rooms}
    refused = why_not(rooms, household, THREE)
    for choice in candidates(rooms, household, THREE):
        chosen = by_id[choice.room_id]
        beds = {bed.id: bed for bed in chosen.beds}
        assert choice.room_id not in refused
        assert len(choice.bed_ids) == len(set(choice.bed_ids)) >= len(household.members)
        assert all(b in beds for b in choice.bed_ids)
        assert all(beds[b].on(n) is FREE for b in choice.bed_ids for n in THREE.dates)
    assert len(candidates(rooms, household, THREE)) + len(refused) == len(rooms)


@given(centres(), HOUSEHOLDS)
def test_a_split_is_rooms_of_one_site_free_every_night_an_adult_in_each(
    rooms: list[Room], household: Household
) -> None:
    by_id = {r.id: r for r in rooms}
    for split in split_candidates(rooms, household, THREE, coordinator_id="coord-1"):
        assert split.split
        assert 2 <= len(split.choices) <= household.adults
        assert len({c.room_id for c in split.choices}) == len(split.choices)
        assert {by_id[c.room_id].site_id for c in split.choices} == {split.site_id}
        assert sum(len(c.bed_ids) for c in split.choices) == len(household.members)
        for choice in split.choices:
            beds = {bed.id: bed for bed in by_id[choice.room_id].beds}
            assert choice.bed_ids
            assert all(beds[b].on(n) is FREE for b in choice.bed_ids for n in THREE.dates)
